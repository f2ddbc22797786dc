package jd

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks that Parse never panics and keeps its invariants on any input.
// The committed corpus in testdata/fuzz/FuzzParse holds realistic job descriptions
// and inputs that once looked risky (symbols, broken UTF-8, empty lines).
func FuzzParse(f *testing.F) {
	f.Add("Senior Go Engineer\n5+ years of experience with golang and k8s.")
	f.Add("we are hiring a c++/c# dev. .NET, node.js, machine learning")
	tax := testTaxonomy()
	levels := Seniorities()
	f.Fuzz(func(t *testing.T, text string) {
		got := Parse(text, tax)
		if !slices.Contains(levels, got.Seniority) {
			t.Fatalf("Seniority %q is not one of %v", got.Seniority, levels)
		}
		if strings.TrimSpace(got.Role) == "" {
			t.Fatalf("Role is empty")
		}
		if n := len(strings.Fields(got.Role)); n > maxRoleWords {
			t.Fatalf("Role %q has %d words, more than %d", got.Role, n, maxRoleWords)
		}
		if utf8.ValidString(text) && !utf8.ValidString(got.Role) {
			t.Fatalf("Role %q is not valid UTF-8 although the input is", got.Role)
		}
		seen := map[string]bool{}
		for i, s := range got.Skills {
			if seen[s.ID] {
				t.Fatalf("skill %q listed twice: %+v", s.ID, got.Skills)
			}
			seen[s.ID] = true
			if s.Mentions < 1 {
				t.Fatalf("skill %q has %d mentions", s.ID, s.Mentions)
			}
			if i > 0 && got.Skills[i-1].Mentions < s.Mentions {
				t.Fatalf("skills not ordered by mentions: %+v", got.Skills)
			}
		}
	})
}
