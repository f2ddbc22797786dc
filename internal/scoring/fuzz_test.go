package scoring

import "testing"

// FuzzScoreAnswer checks that any answer gives scores in range and splits the key points
// into covered and missed without losing or inventing any.
func FuzzScoreAnswer(f *testing.F) {
	f.Add(excellentContextAnswer)
	f.Add("")
	f.Add("```\n{;}\n```\n1. first\n2. then 100% 5ms e.g.")
	q := contextQuestion()
	f.Fuzz(func(t *testing.T, answer string) {
		got := ScoreAnswer(q, answer)
		b := got.Breakdown
		for name, v := range map[string]int{"score": got.Score, "coverage": b.Coverage, "depth": b.Depth, "structure": b.Structure, "examples": b.Examples} {
			if v < 0 || v > 100 {
				t.Fatalf("%s = %d, outside 0..100", name, v)
			}
		}
		if len(got.CoveredPoints)+len(got.MissedPoints) != len(q.KeyPoints) {
			t.Fatalf("covered %d + missed %d != %d key points", len(got.CoveredPoints), len(got.MissedPoints), len(q.KeyPoints))
		}
	})
}
