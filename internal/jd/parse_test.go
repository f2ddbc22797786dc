package jd

import (
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		role      string
		seniority string
		skills    []string // ids in the expected order
		mentions  map[string]int
	}{
		{
			name: "title line and years",
			text: `Senior Backend Engineer (m/f/d) - Berlin

About the role
You will design and run the Go services behind our payments platform on Kubernetes (k8s).
Requirements:
- 5+ years of experience building backend systems, ideally in Golang
- Solid PostgreSQL and SQL skills
- Experience with Docker and CI/CD
Nice to have: Rust.`,
			role:      "Senior Backend Engineer",
			seniority: Senior,
			skills:    []string{"go", "kubernetes", "postgresql", "sql", "docker", "ci-cd", "rust"},
			mentions:  map[string]int{"go": 2, "kubernetes": 2},
		},
		{
			name: "hiring sentence in lower case",
			text: `Acme Analytics is growing! we are hiring a machine learning engineer to join our data team.
You will train models in python3 and ship them with Docker. Knowledge of R is a plus.
We expect 3-5 years of professional experience.`,
			role:      "Machine Learning Engineer",
			seniority: Mid,
			skills:    []string{"machine-learning", "python", "docker", "r"},
		},
		{
			name: "labelled title, lead level",
			text: `Company: Globex
Job Title: Staff Platform Engineer
Location: Remote (EU)

We run hundreds of microservices on AWS and Kubernetes. You will set the technical direction
for our platform, mentor senior engineers and own our Continuous Integration tooling.
Languages: Go, Java, TypeScript.`,
			role:      "Staff Platform Engineer",
			seniority: Lead,
			skills:    []string{"aws", "kubernetes", "ci-cd", "go", "java", "typescript"},
		},
		{
			name: "graduate role with symbols",
			text: `Graduate Software Developer

Join us as a graduate software developer in our Windows desktop team. You will learn C#,
.NET and C++ from experienced colleagues, and write some JavaScript for our web tools.`,
			role:      "Graduate Software Developer",
			seniority: Junior,
			skills:    []string{"csharp", "dotnet", "cpp", "javascript"},
		},
		{
			name: "no false matches inside words",
			text: `Frontend Developer

We are looking for a frontend developer who loves JavaScript and React.js. You will work next
to Google's design teams; our stack has no Java. Good communication helps us go far, and we go
above and beyond for users. Rusty skills are fine.`,
			role:      "Frontend Developer",
			seniority: Mid,
			skills:    []string{"javascript", "react", "java"},
		},
		{
			name: "lower-case ambiguous aliases count inside skill lists only",
			text: `backend developer wanted. stack: python, go, rust and postgres.
we go fast. rust on the old bikes is not our problem.`,
			role:      "Backend Developer",
			seniority: Mid,
			skills:    []string{"python", "go", "rust", "postgresql"},
		},
		{
			name: "intern",
			text: `Software Engineering Intern, Summer 2026

As an intern you will build small features in TypeScript and Node.js, with a mentor.`,
			role:      "Software Engineering Intern",
			seniority: Junior,
			skills:    []string{"typescript", "nodejs"},
		},
		{
			name: "team lead from the title beats years",
			text: `Team Lead, Data Platform
We are seeking an experienced team lead with 4+ years of experience in Python and SQL.`,
			role:      "Team Lead",
			seniority: Lead,
			skills:    []string{"python", "sql"},
		},
		{
			name: "body says senior, no title line",
			text: `Our fintech company builds trading tools. As a Senior Developer you will write C++ and
Python, profile latency-critical code and review designs. We hire senior people who like ownership.`,
			role:      "Senior Developer",
			seniority: Senior,
			skills:    []string{"cpp", "python"},
		},
		{
			name: "years outside experience do not count",
			text: `Backend Engineer
Our company has 25 years of history in logistics. You will build Java services.`,
			role:      "Backend Engineer",
			seniority: Mid,
			skills:    []string{"java"},
		},
		{
			name:      "nothing recognisable",
			text:      "We sell shoes.",
			role:      DefaultRole,
			seniority: Mid,
			skills:    []string{},
		},
		{
			name:      "empty",
			text:      "",
			role:      DefaultRole,
			seniority: Mid,
			skills:    []string{},
		},
	}
	tax := testTaxonomy()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Parse(tt.text, tax)
			if got.Role != tt.role {
				t.Errorf("Role = %q, want %q", got.Role, tt.role)
			}
			if got.Seniority != tt.seniority {
				t.Errorf("Seniority = %q, want %q", got.Seniority, tt.seniority)
			}
			ids := []string{}
			for _, s := range got.Skills {
				ids = append(ids, s.ID)
			}
			if !reflect.DeepEqual(ids, tt.skills) {
				t.Errorf("Skills = %v, want %v (full: %+v)", ids, tt.skills, got.Skills)
			}
			for id, want := range tt.mentions {
				for _, s := range got.Skills {
					if s.ID == id && s.Mentions != want {
						t.Errorf("Mentions of %s = %d, want %d", id, s.Mentions, want)
					}
				}
			}
		})
	}
}

func TestParseSkillOrder(t *testing.T) {
	// Kubernetes is mentioned most; Go and Java tie and keep their order of appearance.
	got := Parse("Java and Go on Kubernetes; k8s operators; kube-proxy; Go again; Java again.", testTaxonomy())
	want := []SkillMatch{
		{ID: "kubernetes", Name: "Kubernetes", Mentions: 3},
		{ID: "java", Name: "Java", Mentions: 2},
		{ID: "go", Name: "Go", Mentions: 2},
	}
	if !reflect.DeepEqual(got.Skills, want) {
		t.Fatalf("Skills = %+v, want %+v", got.Skills, want)
	}
}

func TestParseNilTaxonomy(t *testing.T) {
	got := Parse("Senior Go Engineer", nil)
	if len(got.Skills) != 0 || got.Seniority != Senior {
		t.Fatalf("Parse with nil taxonomy = %+v, want no skills and senior", got)
	}
}

func TestParseIsDeterministic(t *testing.T) {
	text := "Lead Engineer: Go, golang, Java, JavaScript, C++, C#, .NET, Node.js, machine learning, ML, k8s"
	first := Parse(text, testTaxonomy())
	for i := 0; i < 20; i++ {
		// A fresh taxonomy each time: map iteration order must not leak into results.
		if got := Parse(text, testTaxonomy()); !reflect.DeepEqual(got, first) {
			t.Fatalf("run %d: %+v, want %+v", i, got, first)
		}
	}
}

func TestParseConfirmsAmbiguousRunsFromEitherEnd(t *testing.T) {
	tests := []struct{ text, wantFirst string }{
		{"python, go, rust", "python"},
		{"go, rust, python", "go"},
		{"we go, rust and python", "go"},
		{"go. rust python", "rust"}, // the full stop ends the run before "go"
	}
	for _, tt := range tests {
		got := Parse(tt.text, testTaxonomy())
		ids := []string{}
		for _, s := range got.Skills {
			ids = append(ids, s.ID)
		}
		if len(ids) == 0 || ids[0] != tt.wantFirst {
			t.Errorf("Parse(%q) skills = %v, want %q first", tt.text, ids, tt.wantFirst)
		}
	}
}

func TestPrefix(t *testing.T) {
	tests := []struct {
		text string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"line one\nline two", 10, "line one"},
		{"line one\nline two", 12, "line one\nlin"}, // no break in the last quarter
		{"ééé", 3, "é"},                             // never splits a two-byte rune
		{"abcdefgh", 4, "abcd"},
	}
	for _, tt := range tests {
		if got := prefix(tt.text, tt.n); got != tt.want {
			t.Errorf("prefix(%q, %d) = %q, want %q", tt.text, tt.n, got, tt.want)
		}
	}
}
