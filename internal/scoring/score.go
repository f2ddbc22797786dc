package scoring

import (
	"math"
	"unicode/utf8"
)

// Question is what the analysis needs to know about the question answered.
type Question struct {
	Text      string
	Kind      string   // technical, coding, system_design or behavioral
	KeyPoints []string // what a complete answer covers
}

// Breakdown holds the four dimensions of a score, each from 0 to 100.
type Breakdown struct {
	Coverage  int // share of the key points the answer covers
	Depth     int // length, technical vocabulary, reasoning
	Structure int // sentences, paragraphs or lists, ordering words
	Examples  int // numbers, concrete cases, code
}

// Result is the analysis of one answer.
type Result struct {
	Score         int // 0-100
	Breakdown     Breakdown
	CoveredPoints []string // key points the answer covers, in the question's order
	MissedPoints  []string // key points it does not
	Strengths     []string // sentences on what the answer does well
	Improvements  []string // sentences on what would make it better
}

// weights says how much each dimension counts for a kind of question: coding answers
// are judged more on concrete code, behavioural ones on concrete stories and their
// structure, system designs on depth and organisation.
type weights struct{ coverage, depth, structure, examples float64 }

func weightsFor(kind string) weights {
	switch kind {
	case "coding":
		return weights{coverage: 0.45, depth: 0.15, structure: 0.15, examples: 0.25}
	case "system_design":
		return weights{coverage: 0.45, depth: 0.25, structure: 0.20, examples: 0.10}
	case "behavioral":
		return weights{coverage: 0.35, depth: 0.15, structure: 0.20, examples: 0.30}
	default:
		return weights{coverage: 0.50, depth: 0.20, structure: 0.15, examples: 0.15}
	}
}

// ScoreAnswer scores an answer to a question.
//
// Depth, structure and examples only count as far as the answer is on topic: a long,
// well-organised essay about something else must not pass. They are scaled by a
// relevance factor that grows with the share of key points covered (full from 40 %
// on), or, for a question without key points, with the answer's overlap with the
// question's words.
func ScoreAnswer(q Question, answer string) Result {
	answer = truncate(answer, MaxAnalyzedBytes)
	cov := analyzeCoverage(q, answer)
	b := Breakdown{
		Coverage:  cov.score,
		Depth:     depthScore(answer, q),
		Structure: structureScore(answer, q.Kind),
		Examples:  examplesScore(answer, q.Kind),
	}
	w := weightsFor(q.Kind)
	relevance := math.Min(1, 0.1+float64(cov.relevance)/40)
	score := w.coverage*float64(b.Coverage) +
		relevance*(w.depth*float64(b.Depth)+w.structure*float64(b.Structure)+w.examples*float64(b.Examples))
	return Result{
		Score:         clamp(int(math.Round(score))),
		Breakdown:     b,
		CoveredPoints: cov.covered,
		MissedPoints:  cov.missed,
		Strengths:     strengths(b, cov, q.Kind),
		Improvements:  improvements(b, cov, q.Kind, answer),
	}
}

// MaxAnalyzedBytes bounds the part of an answer that is analysed. A spoken or written
// interview answer is a few thousand characters; the bound keeps the cost of one
// analysis small whatever a client sends.
const MaxAnalyzedBytes = 32 << 10

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// countUpTo counts matches of re in s, stopping at limit: every count the scores use
// saturates, so scanning further only costs time. re is a regexp.Regexp or, for
// phrases of bounded length that start a word, a textmatch.WordStart (the same
// matches at a fraction of regexp's cost).
func countUpTo(re interface{ FindAllStringIndex(string, int) [][]int }, s string, limit int) int {
	return len(re.FindAllStringIndex(s, limit))
}

func clamp(n int) int {
	return max(0, min(100, n))
}

// ratio maps x in [0, full] to [0, 1], saturating above full.
func ratio(x, full float64) float64 {
	if full <= 0 {
		return 0
	}
	return math.Max(0, math.Min(1, x/full))
}
