package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Difficulties and kinds, as the question bank's CHECK constraints allow them.
const (
	easy   = "easy"
	medium = "medium"
	hard   = "hard"

	technical = "technical"
	coding    = "coding"
	design    = "system_design"
	behavior  = "behavioral"
)

// Skill is one skill of the taxonomy with its questions.
type Skill struct {
	ID       string // slug, e.g. "go"
	Name     string // display name, e.g. "Go"
	Category string
	// Aliases are the extra names of the skill in lower case; the lower-cased name and
	// the id are added by Aliases().
	ExtraAliases []string
	Questions    []Question
}

// Question is one bank question.
type Question struct {
	Difficulty string
	Kind       string
	Text       string
	KeyPoints  []string
}

func skill(id, name, category string, aliases []string, qs ...Question) Skill {
	return Skill{ID: id, Name: name, Category: category, ExtraAliases: aliases, Questions: qs}
}

func q(difficulty, kind, text string, keyPoints ...string) Question {
	return Question{Difficulty: difficulty, Kind: kind, Text: text, KeyPoints: keyPoints}
}

func aliases(a ...string) []string { return a }

// Aliases returns every alias of the skill: its id, its lower-cased name and its
// extra aliases, without duplicates, in that order.
func (s Skill) Aliases() []string {
	var out []string
	for _, a := range append([]string{s.ID, strings.ToLower(s.Name)}, s.ExtraAliases...) {
		if !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// QuestionID names the i-th (0-based) question of a skill: "q-go-001".
func QuestionID(skillID string, i int) string {
	return fmt.Sprintf("q-%s-%03d", skillID, i+1)
}

var slug = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// Validate checks the bank against the schema's constraints and the seed's promises,
// so that a mistake in the data fails `go run` and the tests, not the migration.
func Validate(skills []Skill) error {
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	ids, names, seenAliases, texts := map[string]bool{}, map[string]bool{}, map[string]string{}, map[string]string{}
	for _, s := range skills {
		if !slug.MatchString(s.ID) {
			fail("skill id %q is not a slug", s.ID)
		}
		if ids[s.ID] {
			fail("skill id %q twice", s.ID)
		}
		ids[s.ID] = true
		if s.Name == "" || names[s.Name] {
			fail("skill %q: name %q empty or used twice", s.ID, s.Name)
		}
		names[s.Name] = true
		if s.Category == "" {
			fail("skill %q has no category", s.ID)
		}
		for _, a := range s.Aliases() {
			if a == "" || a != strings.ToLower(a) || strings.TrimSpace(a) != a {
				fail("skill %q: alias %q must be lower case and trimmed", s.ID, a)
			}
			if other, ok := seenAliases[a]; ok {
				fail("alias %q names both %q and %q", a, other, s.ID)
			}
			seenAliases[a] = s.ID
		}
		if len(s.Questions) < 3 {
			fail("skill %q has %d questions, want at least 3", s.ID, len(s.Questions))
		}
		for i, qq := range s.Questions {
			id := QuestionID(s.ID, i)
			if qq.Difficulty != easy && qq.Difficulty != medium && qq.Difficulty != hard {
				fail("%s: difficulty %q", id, qq.Difficulty)
			}
			if qq.Kind != technical && qq.Kind != coding && qq.Kind != design && qq.Kind != behavior {
				fail("%s: kind %q", id, qq.Kind)
			}
			if strings.TrimSpace(qq.Text) == "" || strings.ContainsAny(qq.Text, "\n\r") {
				fail("%s: text must be one non-empty line", id)
			}
			if other, ok := texts[qq.Text]; ok {
				fail("%s: same text as %s", id, other)
			}
			texts[qq.Text] = id
			if n := len(qq.KeyPoints); n < 3 || n > 6 {
				fail("%s: %d key points, want 3 to 6", id, n)
			}
			for _, kp := range qq.KeyPoints {
				if strings.TrimSpace(kp) == "" || strings.ContainsAny(kp, "\n\r") {
					fail("%s: empty or multi-line key point", id)
				}
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("question bank is invalid:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}
