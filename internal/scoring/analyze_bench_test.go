package scoring

import (
	"strings"
	"testing"
)

// BenchmarkAnalyze measures a long answer (about 20 KB).
func BenchmarkAnalyze(b *testing.B) {
	q := contextQuestion()
	answer := strings.Repeat(excellentContextAnswer+"\n\n", 20)
	b.SetBytes(int64(len(answer)))
	for b.Loop() {
		Analyze(q, answer)
	}
}
