package scoring

import (
	"reflect"
	"strings"
	"testing"
)

func contextQuestion() Question {
	return Question{
		Text: "How does cancellation with context.Context work in Go, and why should every blocking call take a context?",
		Kind: "technical",
		KeyPoints: []string{
			"a context carries a deadline or cancellation signal",
			"blocking code selects on ctx.Done()",
			"calling cancel releases resources",
			"pass the context as the first argument",
		},
	}
}

const excellentContextAnswer = `A context carries a deadline or a cancellation signal down the call tree, so one
cancelled request stops all the work it started.

First, the caller creates it with context.WithTimeout or WithCancel. Then every blocking
function takes the context as its first argument and selects on ctx.Done() next to its
own channel, because otherwise it would block forever after the caller has gone.
Finally, the caller must always defer cancel(): calling cancel releases the timer and the
goroutine resources, whereas forgetting it leaks them until the parent ends.

For example, in my last project an HTTP handler called three services; we passed the
request's context everywhere and cut p99 latency from 900ms to 250ms during an outage,
since abandoned calls stopped instead of piling up. The trade-off is that every API has to
thread the context through, which is noisy but explicit.`

func TestScoreAnswerRanksAnswers(t *testing.T) {
	q := contextQuestion()
	tests := []struct {
		name     string
		answer   string
		min, max int
	}{
		{"excellent", excellentContextAnswer, 80, 100},
		{"short but correct", "It carries a deadline or cancellation signal; code selects on ctx.Done(), cancel releases resources, and the context is the first argument.", 50, 80},
		{"vague", "Context is a Go thing for requests. You use it a lot.", 0, 30},
		{"irrelevant essay", strings.Repeat("Pizza dough needs time because the yeast has to work. First, mix flour and water. Then rest it for 24 hours, for example in the fridge at 4 degrees. ", 6), 0, 15},
		{"empty", "", 0, 0},
		{"whitespace", " \n\t ", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ScoreAnswer(q, tt.answer)
			if got.Score < tt.min || got.Score > tt.max {
				t.Fatalf("Score = %d, want %d..%d (breakdown %+v)", got.Score, tt.min, tt.max, got.Breakdown)
			}
		})
	}
}

func TestScoreAnswerExcellentAnswerDetails(t *testing.T) {
	q := contextQuestion()
	got := ScoreAnswer(q, excellentContextAnswer)
	if !reflect.DeepEqual(got.CoveredPoints, q.KeyPoints) || len(got.MissedPoints) != 0 {
		t.Fatalf("covered %v, missed %v; want every key point covered", got.CoveredPoints, got.MissedPoints)
	}
	b := got.Breakdown
	for name, v := range map[string]int{"coverage": b.Coverage, "depth": b.Depth, "structure": b.Structure, "examples": b.Examples} {
		if v < 70 {
			t.Errorf("%s = %d, want >= 70 for an excellent answer", name, v)
		}
	}
	if len(got.Strengths) < 3 {
		t.Errorf("Strengths = %q, want at least three", got.Strengths)
	}
	if len(got.Improvements) != 0 {
		t.Errorf("Improvements = %q, want none", got.Improvements)
	}
}

func TestScoreAnswerMonotonicInCoveredPoints(t *testing.T) {
	q := contextQuestion()
	// Each sentence covers one more key point; the rest of the answer stays the same.
	sentences := []string{
		"A context carries a deadline or a cancellation signal.",
		"Blocking code selects on ctx.Done() to stop early.",
		"Calling cancel releases resources held by the context.",
		"You pass the context as the first argument of a function.",
	}
	prev := -1
	for n := 0; n <= len(sentences); n++ {
		answer := "Here is how it works. " + strings.Join(sentences[:n], " ")
		got := ScoreAnswer(q, answer)
		if len(got.CoveredPoints) != n {
			t.Fatalf("with %d covering sentences: covered %v, want %d points", n, got.CoveredPoints, n)
		}
		if got.Score <= prev {
			t.Fatalf("with %d covered points the score is %d, not above %d with one fewer", n, got.Score, prev)
		}
		prev = got.Score
	}
}

func TestScoreAnswerCoverageUsesStemsNotSubstrings(t *testing.T) {
	q := Question{Kind: "technical", KeyPoints: []string{"cache invalidation strategies", "replicas serve reads"}}
	got := ScoreAnswer(q, "Invalidating cached entries needs a strategy, and a replica serving the read traffic helps.")
	if len(got.MissedPoints) != 0 {
		t.Fatalf("missed %v; inflected words should match their key points", got.MissedPoints)
	}
}

func TestScoreAnswerImprovementsNameMissedPoints(t *testing.T) {
	q := contextQuestion()
	got := ScoreAnswer(q, "A context carries a deadline or a cancellation signal.")
	for _, kp := range q.KeyPoints[1:] {
		found := false
		for _, s := range got.Improvements {
			if strings.Contains(s, kp) {
				found = true
			}
		}
		if !found {
			t.Errorf("no improvement names the missed point %q: %q", kp, got.Improvements)
		}
	}
	for _, s := range append(append([]string{}, got.Improvements...), got.Strengths...) {
		if !strings.HasSuffix(s, ".") || strings.ToUpper(s[:1]) != s[:1] {
			t.Errorf("%q is not a sentence", s)
		}
	}
}

func TestScoreAnswerWithoutKeyPointsUsesQuestionWords(t *testing.T) {
	q := Question{Text: "Explain how a hash map handles collisions.", Kind: "technical"}
	on := ScoreAnswer(q, "A hash map handles collisions by chaining entries in a bucket or by open addressing.")
	off := ScoreAnswer(q, "I enjoy hiking in the mountains on weekends.")
	if on.Score <= off.Score || on.Breakdown.Coverage == 0 {
		t.Fatalf("on-topic %d (coverage %d) should beat off-topic %d", on.Score, on.Breakdown.Coverage, off.Score)
	}
}

func TestScoreAnswerKindsWeighDimensions(t *testing.T) {
	code := "```go\nfunc reverse(s []int) {\n\tfor i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {\n\t\ts[i], s[j] = s[j], s[i]\n\t}\n}\n```\nIt swaps in place: O(n) time and O(1) space."
	q := Question{Text: "Reverse a slice in place.", KeyPoints: []string{"swap from both ends", "in place", "O(n) time and O(1) space"}}
	q.Kind = "coding"
	coding := ScoreAnswer(q, code)
	if coding.Breakdown.Examples < 60 {
		t.Fatalf("code in a coding answer should count as concrete: examples = %d", coding.Breakdown.Examples)
	}
	story := `Situation: in my last role our release pipeline failed twice a week. My task was to fix it.
Action: I proposed splitting the slow integration tests and I led the migration with two engineers.
Result: failures dropped from 8 to 1 per month and builds took 12 minutes instead of 40. I learned to measure first.`
	b := Question{Text: "Tell me about a process you improved.", Kind: "behavioral", KeyPoints: []string{"the situation", "your action", "a measurable result"}}
	got := ScoreAnswer(b, story)
	if got.Breakdown.Structure < 60 || got.Breakdown.Examples < 60 || got.Score < 70 {
		t.Fatalf("a STAR story should score well: %+v score %d", got.Breakdown, got.Score)
	}
}

func TestScoreAnswerIsDeterministic(t *testing.T) {
	q := contextQuestion()
	first := ScoreAnswer(q, excellentContextAnswer)
	for i := 0; i < 10; i++ {
		if got := ScoreAnswer(q, excellentContextAnswer); !reflect.DeepEqual(got, first) {
			t.Fatalf("run %d differs: %+v vs %+v", i, got, first)
		}
	}
}

func TestScoreAnswerSlicesAreNeverNil(t *testing.T) {
	// The server encodes these as JSON arrays; nil would become null.
	got := ScoreAnswer(Question{}, "")
	if got.CoveredPoints == nil || got.MissedPoints == nil || got.Strengths == nil || got.Improvements == nil {
		t.Fatalf("nil slice in %+v", got)
	}
}
