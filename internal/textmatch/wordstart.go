// Package textmatch finds the matches of regular expressions whose every match starts
// a word, faster than regexp does, with exactly regexp's results. The job-description
// parser (internal/jd) and the answer scorer (internal/scoring) spend most of their CPU
// in such expressions, case-insensitive alternations of phrases (profiles in
// docs/benchmarks.md).
package textmatch

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"
)

// WordStart is a compiled expression whose every match begins with `\b` followed by
// one of a few ASCII word characters, its initials, such as
// `(?i)\b(?:senior|junior|…)\b`. Go's regexp has no literal prefix to skip ahead with
// when an expression is a case-insensitive alternation, so FindAll runs its matcher at
// every byte of the text. WordStart tries the same expression, anchored, only where a
// word starts with one of the initials, and gives exactly the matches regexp gives
// (wordstart_test.go compares them on generated texts):
//
//   - every match starts with `\b` and an initial, so at a byte where an initial
//     follows a non-word byte or the start (Go's `\b` is ASCII-only);
//   - under (?i) an ASCII letter matches only its own two cases, and the only other
//     characters that fold to ASCII letters are U+017F (ſ, folds to s) and U+212A
//     (Kelvin sign, folds to k): a text that holds either goes to regexp;
//   - FindAll takes the leftmost match, then searches on from its end, and so does
//     WordStart; at one start the anchored expression picks the same alternative.
//
// The initials are read from the expression's syntax; MustWordStart panics on an
// expression whose matches do not all start that way.
type WordStart struct {
	plain    *regexp.Regexp
	anchored *regexp.Regexp
	initial  [256]bool
	// window, when positive, bounds the text an anchored try looks at: the longest
	// match plus the byte after it, which the trailing `\b` reads. Go's backtracking
	// matcher clears state in proportion to its input, so an unbounded try at every
	// word start would cost the rest of the text each time.
	window int
}

// foldsToASCII are the non-ASCII characters that case-insensitive matching folds to an
// ASCII letter.
const foldsToASCII = "\u017f\u212a"

// MustWordStart compiles expr; it panics if expr does not compile or if its matches
// do not all start with `\b` and an ASCII word character.
func MustWordStart(expr string) *WordStart {
	w := &WordStart{plain: regexp.MustCompile(expr), anchored: regexp.MustCompile(`^(?:` + expr + `)`)}
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		panic(err)
	}
	initials, ok := wordStartInitials(re.Simplify())
	if !ok || len(initials) == 0 {
		panic(fmt.Sprintf("textmatch: %q: not every match starts with \\b and an ASCII word character", expr))
	}
	for _, r := range initials {
		w.initial[r] = true
	}
	if n, ok := maxLen(re.Simplify()); ok {
		w.window = n + 1
	}
	return w
}

// maxLen is the most bytes a match of re can span; false when unbounded.
func maxLen(re *syntax.Regexp) (int, bool) {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0, true
	case syntax.OpLiteral:
		return len(re.Rune) * utf8.UTFMax, true
	case syntax.OpCharClass, syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		return utf8.UTFMax, true
	case syntax.OpCapture:
		return maxLen(re.Sub[0])
	case syntax.OpQuest:
		return maxLen(re.Sub[0])
	case syntax.OpRepeat:
		n, ok := maxLen(re.Sub[0])
		return n * re.Max, ok && re.Max >= 0
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, sub := range re.Sub {
			n, ok := maxLen(sub)
			if !ok {
				return 0, false
			}
			if re.Op == syntax.OpConcat {
				total += n
			} else {
				total = max(total, n)
			}
		}
		return total, true
	}
	return 0, false // star, plus: unbounded
}

// Plain is the expression as regexp compiled it.
func (w *WordStart) Plain() *regexp.Regexp { return w.plain }

// wordStartInitials returns the first characters of re's matches if every match starts
// with `\b` followed by an ASCII word character.
func wordStartInitials(re *syntax.Regexp) ([]rune, bool) {
	switch re.Op {
	case syntax.OpAlternate:
		var out []rune
		for _, sub := range re.Sub {
			rs, ok := wordStartInitials(sub)
			if !ok {
				return nil, false
			}
			out = append(out, rs...)
		}
		return out, true
	case syntax.OpCapture:
		return wordStartInitials(re.Sub[0])
	case syntax.OpConcat:
		if len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpWordBoundary {
			return nil, false
		}
		return firstChars(re.Sub[1])
	}
	return nil, false
}

// firstChars returns the ASCII word characters a match of re can start with; false
// when re may match the empty string or start with anything else.
func firstChars(re *syntax.Regexp) ([]rune, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return asciiWordFolds(re.Rune[0], re.Flags&syntax.FoldCase != 0)
	case syntax.OpCharClass:
		var out []rune
		for i := 0; i < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if hi-lo > 128 {
				return nil, false
			}
			for r := lo; r <= hi; r++ {
				if strings.ContainsRune(foldsToASCII, r) {
					continue // such texts go to regexp
				}
				rs, ok := asciiWordFolds(r, false)
				if !ok {
					return nil, false
				}
				out = append(out, rs...)
			}
		}
		return out, true
	case syntax.OpCapture, syntax.OpPlus:
		return firstChars(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil, false
		}
		return firstChars(re.Sub[0])
	case syntax.OpConcat:
		return firstChars(re.Sub[0])
	case syntax.OpAlternate:
		var out []rune
		for _, sub := range re.Sub {
			rs, ok := firstChars(sub)
			if !ok {
				return nil, false
			}
			out = append(out, rs...)
		}
		return out, true
	}
	return nil, false
}

// asciiWordFolds returns r (and its other case when fold is set) if r is an ASCII word
// character.
func asciiWordFolds(r rune, fold bool) ([]rune, bool) {
	if r > unicode.MaxASCII || !isASCIIWordByte(byte(r)) {
		return nil, false
	}
	out := []rune{r}
	if fold {
		out = append(out, unicode.ToUpper(r), unicode.ToLower(r))
	}
	return out, true
}

func isASCIIWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// FindAllStringSubmatchIndex is regexp.Regexp.FindAllStringSubmatchIndex.
func (w *WordStart) FindAllStringSubmatchIndex(text string, n int) [][]int {
	if strings.ContainsAny(text, foldsToASCII) {
		return w.plain.FindAllStringSubmatchIndex(text, n)
	}
	var out [][]int
	for i := 0; i < len(text) && (n < 0 || len(out) < n); i++ {
		if !w.initial[text[i]] || i > 0 && isASCIIWordByte(text[i-1]) {
			continue
		}
		try := text[i:]
		if w.window > 0 && len(try) > w.window {
			try = try[:w.window]
		}
		m := w.anchored.FindStringSubmatchIndex(try)
		if m == nil {
			continue
		}
		for k := range m {
			if m[k] >= 0 {
				m[k] += i
			}
		}
		out = append(out, m)
		i = max(i, m[1]-1) // the loop's i++ resumes at the match's end
	}
	return out
}

// FindAllStringSubmatch is regexp.Regexp.FindAllStringSubmatch.
func (w *WordStart) FindAllStringSubmatch(text string, n int) [][]string {
	idx := w.FindAllStringSubmatchIndex(text, n)
	if idx == nil {
		return nil
	}
	out := make([][]string, len(idx))
	for i, m := range idx {
		out[i] = make([]string, len(m)/2)
		for g := range out[i] {
			if m[2*g] >= 0 {
				out[i][g] = text[m[2*g]:m[2*g+1]]
			}
		}
	}
	return out
}

// FindAllStringIndex is regexp.Regexp.FindAllStringIndex.
func (w *WordStart) FindAllStringIndex(text string, n int) [][]int {
	idx := w.FindAllStringSubmatchIndex(text, n)
	for i, m := range idx {
		idx[i] = m[:2]
	}
	return idx
}
