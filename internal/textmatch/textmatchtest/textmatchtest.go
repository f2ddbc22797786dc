// Package textmatchtest checks a textmatch.WordStart against regexp on texts made of
// the expression's own words, for the tests of the packages that use one.
package textmatchtest

import (
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/interviewapi/operator/internal/textmatch"
)

// separators glue the generated words: spaces, punctuation, word characters (which
// remove a word boundary) and non-ASCII characters, among them the two that case
// folding maps to ASCII letters.
var separators = []string{" ", " ", " ", "  ", "\n", "-", ".", ",", "(", ")", ":", "", "_", "9", "’", "\t", "é", "%", "ſ", "\u212a"}

var wordsOf = regexp.MustCompile(`[A-Za-z]+|\d`)

// Check fails t when w and its plain expression find different matches (indexes,
// groups, with and without a limit) in any of texts, or in n texts generated from the
// words of the expression in random case, glued by separators (seeded: reproducible).
func Check(t *testing.T, name string, w *textmatch.WordStart, texts []string, n int) {
	t.Helper()
	for _, text := range texts {
		same(t, name, w, text)
	}
	words := wordsOf.FindAllString(w.Plain().String(), -1)
	words = append(words, "x", "Go", "42", "3.5", "é")
	rng := rand.New(rand.NewPCG(uint64(len(name)), 2026))
	for range n {
		var b strings.Builder
		for range 1 + rng.IntN(14) {
			word := words[rng.IntN(len(words))]
			switch rng.IntN(4) {
			case 0:
				word = strings.ToUpper(word)
			case 1:
				word = strings.ToUpper(word[:1]) + word[1:]
			}
			b.WriteString(word)
			b.WriteString(separators[rng.IntN(len(separators))])
		}
		same(t, name, w, b.String())
	}
}

func same(t *testing.T, name string, w *textmatch.WordStart, text string) {
	t.Helper()
	p := w.Plain()
	for _, n := range []int{-1, 1, 2, 4} {
		if got, want := w.FindAllStringSubmatchIndex(text, n), p.FindAllStringSubmatchIndex(text, n); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s, n=%d, on %q:\n got  %v\n want %v (regexp.FindAllStringSubmatchIndex)", name, n, text, got, want)
		}
		if got, want := w.FindAllStringSubmatch(text, n), p.FindAllStringSubmatch(text, n); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s, n=%d, on %q:\n got  %q\n want %q (regexp.FindAllStringSubmatch)", name, n, text, got, want)
		}
		if got, want := w.FindAllStringIndex(text, n), p.FindAllStringIndex(text, n); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s, n=%d, on %q:\n got  %v\n want %v (regexp.FindAllStringIndex)", name, n, text, got, want)
		}
	}
}
