package jd

import (
	"regexp"
	"strings"
)

// wordStartRegexp finds the matches of a case-insensitive expression whose every match
// starts a word with one of a few letters, such as `(?i)\b(?:senior|junior|…)`. Go's
// regexp engine has no literal prefix to skip ahead with when an expression is a
// case-insensitive alternation, so FindAll runs its matcher at every byte of the text;
// for the level and role phrases that was about half of parse-jd's CPU (profile in
// docs/benchmarks.md). This type tries the same expression, anchored, only at the
// starts of words beginning with one of the initials, and gives exactly the matches
// FindAll gives (wordstart_test.go compares the two on the corpus and on generated
// texts):
//
//   - every match starts with `\b` followed by a letter, so at a byte where an ASCII
//     letter follows a non-word byte (Go's `\b` is ASCII-only);
//   - under (?i) an ASCII letter matches only its own two cases, and the only other
//     characters that fold to ASCII letters are U+017F (ſ, folds to s) and U+212A
//     (Kelvin sign, folds to k): a text that holds either goes to the plain
//     expression;
//   - FindAll takes the leftmost match, then searches on from its end, and so does
//     this loop; at one start the anchored expression picks the same alternative.
type wordStartRegexp struct {
	full     *regexp.Regexp
	anchored *regexp.Regexp
	initial  [256]bool
}

// foldsToASCII are the non-ASCII characters that case-insensitive matching folds to an
// ASCII letter.
const foldsToASCII = "\u017f\u212a"

// mustWordStart compiles expr, which must start every match with `\b` and a letter
// among initials (either case).
func mustWordStart(expr, initials string) *wordStartRegexp {
	w := &wordStartRegexp{full: regexp.MustCompile(expr), anchored: regexp.MustCompile(`^(?:` + expr + `)`)}
	for i := 0; i < len(initials); i++ {
		c := initials[i]
		w.initial[c] = true
		w.initial[c&^0x20] = true // upper case
	}
	return w
}

func isASCIIWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// FindAllStringSubmatchIndex is regexp.Regexp.FindAllStringSubmatchIndex.
func (w *wordStartRegexp) FindAllStringSubmatchIndex(text string, n int) [][]int {
	if strings.ContainsAny(text, foldsToASCII) {
		return w.full.FindAllStringSubmatchIndex(text, n)
	}
	var out [][]int
	for i := 0; i < len(text) && (n < 0 || len(out) < n); i++ {
		if !w.initial[text[i]] || i > 0 && isASCIIWordByte(text[i-1]) {
			continue
		}
		m := w.anchored.FindStringSubmatchIndex(text[i:])
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
func (w *wordStartRegexp) FindAllStringSubmatch(text string, n int) [][]string {
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
