package scoring

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLooksLikeCode(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"```go", true},
		{"    x := compute(y)", true},
		{"\tfor i := range xs {", true},
		{"Use `ctx.Done()` in a select.", true},
		{"SELECT id FROM users WHERE email = $1", true},
		{"const add = (a, b) => a + b", true},
		{"}", true},
		{"I would start with the data model.", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := looksLikeCode(tt.line); got != tt.want {
			t.Errorf("looksLikeCode(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}

func TestIsListItem(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"- first", true},
		{"* second", true},
		{"• third", true},
		{"1. step", true},
		{"12) step", true},
		{"2024 was a good year", false},
		{"-dash without space", false},
		{"3.", false},
	}
	for _, tt := range tests {
		if got := isListItem(tt.line); got != tt.want {
			t.Errorf("isListItem(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}

func TestTruncateKeepsUTF8(t *testing.T) {
	s := strings.Repeat("é", 10) // two bytes each
	for n := 0; n <= len(s); n++ {
		got := truncate(s, n)
		if len(got) > n || !utf8.ValidString(got) {
			t.Fatalf("truncate(_, %d) = %q: over the limit or split a rune", n, got)
		}
	}
	long := strings.Repeat("word ", MaxAnalyzedBytes)
	if r := ScoreAnswer(contextQuestion(), long); r.Score > 100 || r.Score < 0 {
		t.Fatalf("score %d out of range on an over-long answer", r.Score)
	}
}
