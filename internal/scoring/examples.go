package scoring

import (
	"math"
	"regexp"
)

var (
	exampleMarker = regexp.MustCompile(`(?i)\b(?:for example|for instance|e\.g\.|such as|say we|imagine|consider|in my (?:last|previous|current) (?:project|role|job|team|company)|at my (?:last|previous|current) (?:company|job|employer)|in production|we had|we were|i built|i wrote|i led|i implemented|i migrated|i designed|i fixed|we built|we migrated|we reduced|we moved|last year|once)\b`)
	number        = regexp.MustCompile(`\b\d+(?:[.,]\d+)?\s*(?:%|ms|s|x|k|m|gb|mb|tb|rps|qps|users|requests|hours|days|weeks|minutes|seconds|nodes|servers|engineers|people)?\b`)
	measured      = regexp.MustCompile(`(?i)\b\d+(?:[.,]\d+)?\s*(?:%|ms|x|k|gb|mb|tb|rps|qps|p\d\d)|\bp\d\d\b|\bfrom \d[\w.,%]* to \d`)
	code          = regexp.MustCompile("(?m)```|`[^`\n]+`|^\\s{4}\\S|\\bfunc\\s+\\w*\\(|\\bdef\\s+\\w+\\(|\\b(?:SELECT|INSERT|UPDATE|CREATE)\\b|=>|:=|\\w+\\([^)]*\\)\\s*[{;]|[{};]\\s*$")
)

// examplesScore rewards concreteness: explicit examples or first-hand stories,
// numbers and measured results, and code (the main evidence in a coding answer).
func examplesScore(answer, kind string) int {
	if answer == "" {
		return 0
	}
	markers := ratio(float64(len(exampleMarker.FindAllStringIndex(answer, -1))), 2)
	numbers := ratio(float64(len(number.FindAllStringIndex(answer, -1))), 3)
	results := ratio(float64(len(measured.FindAllStringIndex(answer, -1))), 2)
	snippets := ratio(float64(len(code.FindAllStringIndex(answer, -1))), 3)

	var s float64
	switch kind {
	case "coding":
		s = 0.25*markers + 0.15*numbers + 0.1*results + 0.5*snippets
	case "behavioral":
		s = 0.5*markers + 0.2*numbers + 0.3*results
	default:
		// A technical answer may show its example as prose or as code: take the better.
		s = 0.4*markers + 0.2*numbers + 0.15*results + 0.25*math.Max(snippets, markers)
	}
	return clamp(int(math.Round(100 * s)))
}
