package jd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/interviewapi/operator/internal/textmatch"
	"github.com/interviewapi/operator/internal/textmatch/textmatchtest"
)

// wordStartCases are the expressions Parse runs through textmatch.WordStart.
var wordStartCases = []struct {
	name string
	re   *textmatch.WordStart
}{{"bodyLevel", bodyLevel}, {"hiringPhrase", hiringPhrase}}

// TestWordStartMatchesLikeRegexp pins textmatch.WordStart on Parse's expressions: on
// the committed fuzz corpus of real job descriptions and on 3,000 generated texts of
// the expressions' own words, they find what regexp finds.
func TestWordStartMatchesLikeRegexp(t *testing.T) {
	files, err := filepath.Glob("testdata/fuzz/FuzzParse/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fuzz corpus in testdata/fuzz/FuzzParse (%v)", err)
	}
	var texts []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	for _, c := range wordStartCases {
		textmatchtest.Check(t, c.name, c.re, texts, 3000)
	}
}

func FuzzWordStart(f *testing.F) {
	f.Add("We are hiring a Senior Staff Engineer; mentor junior devs. Mid-level welcome, new  grad too")
	f.Add("xſenior \u212aotlin senior_ sr. snr jr.")
	f.Fuzz(func(t *testing.T, text string) {
		for _, c := range wordStartCases {
			textmatchtest.Check(t, c.name, c.re, []string{text}, 0)
		}
	})
}
