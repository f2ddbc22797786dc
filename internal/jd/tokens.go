package jd

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word of a text, lower-cased for matching, with the original spelling
// kept so that ambiguous aliases ("Go" vs the verb "go") can look at the case.
type token struct {
	norm string // lower-case form compared with aliases
	orig string // spelling in the text
	pos  int    // byte offset of the token in the text, orders first occurrences
	// clauseBreak is set when a sentence or clause ends between the previous token and
	// this one ('.', '!', '?', ';', ':'), so list adjacency does not cross it.
	clauseBreak bool
}

// tokenize splits text into words the way technology names are written. Letters,
// digits, '+' and '#' belong to a word ("c++", "c#", "f#"); a '.' belongs to a word
// when a letter or digit follows it and it starts the word or sits between word
// characters (".net", "node.js", "asp.net"), so a sentence's full stop never does.
// Everything else, hyphens and slashes included, separates words: "ci/cd" is "ci" "cd"
// and "go-based" is "go" "based". Aliases are tokenized the same way, so both sides agree.
func tokenize(text string) []token {
	var out []token
	start := -1
	prevEnd := 0
	flush := func(end int) {
		if start < 0 {
			return
		}
		word := text[start:end]
		// A word may end in dots that followed no letter (e.g. "etc..."); drop them.
		word = strings.TrimRight(word, ".")
		if word != "" && word != "." {
			brk := strings.ContainsAny(text[prevEnd:start], ".!?;:")
			out = append(out, token{norm: strings.ToLower(word), orig: word, pos: start, clauseBreak: brk})
			prevEnd = start + len(word)
		}
		start = -1
	}
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case isWordRune(r):
			if start < 0 {
				start = i
			}
		case r == '.' && nextIsAlnum(text, i+size) && (start >= 0 || prevIsBoundary(text, i)):
			if start < 0 {
				start = i
			}
		default:
			flush(i)
		}
		i += size
	}
	flush(len(text))
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '+' || r == '#'
}

func nextIsAlnum(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// prevIsBoundary reports whether a '.' at i starts a word: at the start of the text or
// after a space or opening punctuation, as in " .NET" or "(.NET)".
func prevIsBoundary(text string, i int) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsSpace(r) || strings.ContainsRune("([{/,;:\"'", r)
}

// normalizeAlias turns an alias into the token sequence that matches it.
func normalizeAlias(alias string) []string {
	toks := tokenize(alias)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.norm
	}
	return out
}
