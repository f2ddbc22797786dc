package jd

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// wordStartCases are the expressions Parse runs through wordStartRegexp.
var wordStartCases = []struct {
	name string
	re   *wordStartRegexp
}{{"bodyLevel", bodyLevel}, {"hiringPhrase", hiringPhrase}}

// checkSameMatches fails when w finds other matches than its plain expression.
func checkSameMatches(t *testing.T, name string, w *wordStartRegexp, text string) {
	t.Helper()
	for _, n := range []int{-1, 1, 4} {
		want, got := w.full.FindAllStringSubmatchIndex(text, n), w.FindAllStringSubmatchIndex(text, n)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s, n=%d, on %q:\n got  %v\n want %v (regexp.FindAllStringSubmatchIndex)", name, n, text, got, want)
		}
		if wantS, gotS := w.full.FindAllStringSubmatch(text, n), w.FindAllStringSubmatch(text, n); !reflect.DeepEqual(gotS, wantS) {
			t.Fatalf("%s, n=%d, on %q:\n got  %q\n want %q (regexp.FindAllStringSubmatch)", name, n, text, gotS, wantS)
		}
	}
}

// TestWordStartMatchesLikeRegexp pins the shortcut to the expression it stands for: on
// the committed fuzz corpus of real job descriptions and on generated texts made of the
// expressions' own words in every case, glued by separators, word characters and the
// non-ASCII characters that case folding maps to ASCII letters, both find the same
// matches with the same groups.
func TestWordStartMatchesLikeRegexp(t *testing.T) {
	files, err := filepath.Glob("testdata/fuzz/FuzzParse/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fuzz corpus in testdata/fuzz/FuzzParse (%v)", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range wordStartCases {
			checkSameMatches(t, c.name+" "+filepath.Base(f), c.re, string(b))
		}
	}

	words := []string{"junior", "Jr.", "jr", "intern", "Internship", "graduate", "grad", "new", "entry", "level", "trainee",
		"apprentice", "working", "student", "early", "career", "tech", "technical", "team", "lead", "LEAD", "engineer",
		"developer", "principal", "staff", "scientist", "head", "of", "senior", "Sr.", "snr", "mid", "Mid-Level", "midlevel",
		"intermediate", "medior", "we", "We", "are", "we're", "we’re", "is", "currently", "actively", "hiring", "looking",
		"for", "seeking", "searching", "recruiting", "an", "a", "two", "several", "experienced", "talented", "join", "us",
		"our", "the", "as", "Backend", "Go", "x", "ſenior", "ſtaff", "\u212aotlin", "éa", "5", "_"}
	seps := []string{" ", " ", " ", "  ", "\n", "-", ".", ",", "(", ")", ":", "", "_", "9", "’", "\t", "é"}
	rng := rand.New(rand.NewPCG(11, 2026))
	for range 20000 {
		var b strings.Builder
		for range 1 + rng.IntN(14) {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteString(seps[rng.IntN(len(seps))])
		}
		for _, c := range wordStartCases {
			checkSameMatches(t, c.name, c.re, b.String())
		}
	}
}

func FuzzWordStart(f *testing.F) {
	f.Add("We are hiring a Senior Staff Engineer; mentor junior devs. Mid-level welcome, new  grad too")
	f.Add("xſenior \u212aotlin senior_ sr. snr jr.")
	f.Fuzz(func(t *testing.T, text string) {
		for _, c := range wordStartCases {
			checkSameMatches(t, c.name, c.re, text)
		}
	})
}
