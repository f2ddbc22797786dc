package jd

import (
	"strings"
	"testing"
)

// BenchmarkParse measures a job description at the API's 50,000-character limit.
func BenchmarkParse(b *testing.B) {
	para := "We are hiring a Senior Backend Engineer to build Go and Java services on k8s. " +
		"You have 5+ years of experience with PostgreSQL, Docker, CI/CD and machine learning; C++ and .NET are a plus.\n"
	text := strings.Repeat(para, 50000/len(para))
	tax := testTaxonomy()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Parse(text, tax)
	}
}

// BenchmarkParseAmbiguousRun is the worst case of list confirmation: a long run of
// lower-case ambiguous aliases anchored only at its end.
func BenchmarkParseAmbiguousRun(b *testing.B) {
	text := strings.Repeat("go rust ", 6000) + "Python"
	tax := testTaxonomy()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		Parse(text, tax)
	}
}
