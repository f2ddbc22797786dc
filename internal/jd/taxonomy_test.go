package jd

import "testing"

// testTaxonomy mirrors the shape of the seeded question bank: canonical skills with
// their lower-cased names, ids and aliases, including multi-word and symbol aliases.
func testTaxonomy() *Taxonomy {
	skills := map[SkillRef][]string{
		{"go", "Go"}:                             {"go", "golang"},
		{"kubernetes", "Kubernetes"}:             {"kubernetes", "k8s", "kube"},
		{"java", "Java"}:                         {"java"},
		{"javascript", "JavaScript"}:             {"javascript", "js", "ecmascript"},
		{"typescript", "TypeScript"}:             {"typescript", "ts"},
		{"python", "Python"}:                     {"python", "python3"},
		{"cpp", "C++"}:                           {"cpp", "c++"},
		{"csharp", "C#"}:                         {"csharp", "c#"},
		{"dotnet", ".NET"}:                       {"dotnet", ".net", "asp.net"},
		{"nodejs", "Node.js"}:                    {"nodejs", "node.js"},
		{"react", "React"}:                       {"react", "react.js", "reactjs"},
		{"postgresql", "PostgreSQL"}:             {"postgresql", "postgres", "psql"},
		{"machine-learning", "Machine Learning"}: {"machine-learning", "machine learning", "ml"},
		{"ci-cd", "CI/CD"}:                       {"ci-cd", "ci/cd", "continuous integration", "continuous delivery"},
		{"rust", "Rust"}:                         {"rust"},
		{"aws", "AWS"}:                           {"aws", "amazon web services"},
		{"docker", "Docker"}:                     {"docker"},
		{"sql", "SQL"}:                           {"sql"},
		{"r", "R"}:                               {"r"},
		{"c", "C"}:                               {"c"},
	}
	aliases := map[string]SkillRef{}
	for ref, as := range skills {
		for _, a := range as {
			aliases[a] = ref
		}
	}
	return NewTaxonomy(aliases)
}

func TestNewTaxonomyIgnoresAliasesWithoutWords(t *testing.T) {
	tax := NewTaxonomy(map[string]SkillRef{"": {"x", "X"}, " - / ": {"x", "X"}, "golang": {"go", "Go"}})
	if got := tax.Len(); got != 1 {
		t.Fatalf("Len() = %d, want 1 (only golang is a usable alias)", got)
	}
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"We use Go.", []string{"we", "use", "go"}},
		{"C++, C# and .NET (or ASP.NET)", []string{"c++", "c#", "and", ".net", "or", "asp.net"}},
		{"Node.js/React.js", []string{"node.js", "react.js"}},
		{"CI/CD pipelines", []string{"ci", "cd", "pipelines"}},
		{"Go-based services, etc...", []string{"go", "based", "services", "etc"}},
		{"version 1.26.", []string{"version", "1.26"}},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got := tokenize(tt.text)
			if len(got) != len(tt.want) {
				t.Fatalf("tokenize(%q) = %v, want %v", tt.text, got, tt.want)
			}
			for i := range got {
				if got[i].norm != tt.want[i] {
					t.Fatalf("tokenize(%q)[%d] = %q, want %q", tt.text, i, got[i].norm, tt.want[i])
				}
			}
		})
	}
}
