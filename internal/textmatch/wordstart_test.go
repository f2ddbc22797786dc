package textmatch_test

import (
	"strings"
	"testing"

	"github.com/interviewapi/operator/internal/textmatch"
	"github.com/interviewapi/operator/internal/textmatch/textmatchtest"
)

func TestWordStartMatchesLikeRegexp(t *testing.T) {
	for _, expr := range []string{
		`(?i)\b(?:senior|sr\.?|snr|staff\s+engineer|head\s+of)\b`,
		`(?i)\b(?:we\s+are|join)\s+([a-z]+)|(?i)\bkey\s+(\w+)`,
		`\b\d+(?:[.,]\d+)?\s*(?:%|ms|s)?\b`,
		`(?i)\b(?:a|b|k|s)\b`,
		`\b(?:Go|go)+`,
	} {
		textmatchtest.Check(t, expr, textmatch.MustWordStart(expr), []string{"", "Senior staff engineer, sr. SNR", "ſenior \u212aey 5ms"}, 3000)
	}
}

func TestMustWordStartRefusesOtherExpressions(t *testing.T) {
	for _, expr := range []string{
		`senior`,             // no \b: a match may start inside a word
		`(?i)\b(?:senior|)`,  // may match the empty string
		`\b(?:-x|senior)`,    // may start with a non-word character
		`(?i)\bsenior|staff`, // one alternative without \b
		`\b.senior`,          // may start with anything
		`\b(?:x*senior)`,     // x* may be empty
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "not every match starts") {
					t.Errorf("MustWordStart(%q) did not refuse it (%v)", expr, r)
				}
			}()
			textmatch.MustWordStart(expr)
		}()
	}
}
