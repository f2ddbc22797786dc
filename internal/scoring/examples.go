package scoring

import (
	"math"
	"regexp"
	"strings"

	"github.com/interviewapi/operator/internal/textmatch"
)

var (
	exampleMarker = textmatch.MustWordStart(`(?i)\b(?:for example|for instance|e\.g\.|such as|say we|imagine|consider|in my (?:last|previous|current) (?:project|role|job|team|company)|at my (?:last|previous|current) (?:company|job|employer)|in production|we had|we were|i built|i wrote|i led|i implemented|i migrated|i designed|i fixed|we built|we migrated|we reduced|we moved|last year|once)\b`)
	number        = regexp.MustCompile(`\b\d+(?:[.,]\d+)?\s*(?:%|ms|s|x|k|m|gb|mb|tb|rps|qps|users|requests|hours|days|weeks|minutes|seconds|nodes|servers|engineers|people)?\b`)
	measured      = regexp.MustCompile(`(?i)\b\d+(?:[.,]\d+)?\s*(?:%|ms|x|k|gb|mb|tb|rps|qps|p\d\d)|\bp\d\d\b|\bfrom \d[\w.,%]* to \d`)
)

// examplesScore rewards concreteness: explicit examples or first-hand stories,
// numbers and measured results, and code (the main evidence in a coding answer).
func examplesScore(answer, kind string) int {
	if answer == "" {
		return 0
	}
	markers := ratio(float64(countUpTo(exampleMarker, answer, 2)), 2)
	numbers := ratio(float64(countUpTo(number, answer, 3)), 3)
	results := ratio(float64(countUpTo(measured, answer, 2)), 2)
	snippets := ratio(float64(codeSignals(answer, 3)), 3)

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

// codeSignals counts lines that look like code, up to limit: fenced blocks, inline
// code spans, indented lines, lines ending like statements or blocks, and common
// keywords and operators. A line scan, because one regular expression for all of this
// costs far more than the rest of the analysis together.
func codeSignals(answer string, limit int) int {
	n := 0
	for line := range strings.Lines(answer) {
		if n >= limit {
			break
		}
		if looksLikeCode(line) {
			n++
		}
	}
	return n
}

func looksLikeCode(line string) bool {
	line = strings.TrimRight(line, "\r\n")
	trimmed := strings.TrimSpace(line)
	if trimmed == "" {
		return false
	}
	if strings.HasPrefix(line, "    ") || strings.HasPrefix(line, "\t") || strings.HasPrefix(trimmed, "```") {
		return true
	}
	if strings.Count(trimmed, "`") >= 2 {
		return true
	}
	switch trimmed[len(trimmed)-1] {
	case '{', '}', ';':
		return true
	}
	for _, marker := range []string{":=", "=>", "func ", "def ", "return ", "SELECT ", "INSERT ", "UPDATE ", "CREATE "} {
		if strings.Contains(trimmed, marker) {
			return true
		}
	}
	return false
}
