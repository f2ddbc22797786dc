package scoring

import (
	"strings"
	"testing"
)

// BenchmarkScoreAnswer measures a long answer (about 20 KB).
func BenchmarkScoreAnswer(b *testing.B) {
	q := contextQuestion()
	answer := strings.Repeat(excellentContextAnswer+"\n\n", 20)
	b.SetBytes(int64(len(answer)))
	for b.Loop() {
		ScoreAnswer(q, answer)
	}
}
