package main

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/interviewapi/operator/internal/store/migrations"
	"github.com/interviewapi/operator/test/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestCommittedSeedIsUpToDate(t *testing.T) {
	want, err := Render(Bank())
	if err != nil {
		t.Fatal(err)
	}
	// Compare with what the server embeds, which is what ships.
	got, err := fs.ReadFile(migrations.FS(), path.Base(DefaultOutput))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from the generator's output: run `go run ./hack/genseed` and commit the result", DefaultOutput)
	}
}

func TestBankKeepsItsPromises(t *testing.T) {
	bank := Bank()
	if err := Validate(bank); err != nil {
		t.Fatal(err)
	}
	var questions int
	categories := map[string]bool{}
	difficulties := map[string]int{}
	kinds := map[string]int{}
	for _, s := range bank {
		categories[s.Category] = true
		questions += len(s.Questions)
		perSkill := map[string]bool{}
		for _, q := range s.Questions {
			difficulties[q.Difficulty]++
			kinds[q.Kind]++
			perSkill[q.Difficulty] = true
		}
		if len(perSkill) != 3 {
			t.Errorf("skill %s has difficulties %v, want all three", s.ID, perSkill)
		}
	}
	if len(bank) < 40 || questions < 300 {
		t.Errorf("%d skills and %d questions, want at least 40 and 300", len(bank), questions)
	}
	for _, c := range []string{"language", "backend", "frontend", "database", "data", "devops", "cloud", "mobile", "ml", "security", "management"} {
		if !categories[c] {
			t.Errorf("no skill in category %q", c)
		}
	}
	for _, k := range []string{technical, coding, design, behavior} {
		if kinds[k] < 20 {
			t.Errorf("only %d %s questions, want at least 20", kinds[k], k)
		}
	}
	for _, d := range []string{easy, medium, hard} {
		if difficulties[d] < 60 {
			t.Errorf("only %d %s questions, want at least 60", difficulties[d], d)
		}
	}
	t.Logf("%d skills, %d questions; difficulties %v; kinds %v", len(bank), questions, difficulties, kinds)
}

func TestValidateRejectsBadData(t *testing.T) {
	good := func() Skill {
		return skill("go", "Go", "language", aliases("golang"),
			q(easy, technical, "A?", "a", "b", "c"),
			q(medium, technical, "B?", "a", "b", "c"),
			q(hard, technical, "C?", "a", "b", "c"))
	}
	tests := []struct {
		name   string
		mutate func([]Skill) []Skill
		want   string
	}{
		{"valid", func(s []Skill) []Skill { return s }, ""},
		{"bad slug", func(s []Skill) []Skill { s[0].ID = "Go Lang"; return s }, "not a slug"},
		{"duplicate alias", func(s []Skill) []Skill {
			other := good()
			other.ID, other.Name, other.ExtraAliases = "golang2", "Golang Two", []string{"golang"}
			return append(s, other)
		}, `alias "golang" names both`},
		{"upper-case alias", func(s []Skill) []Skill { s[0].ExtraAliases = []string{"GoLang"}; return s }, "lower case"},
		{"too few key points", func(s []Skill) []Skill { s[0].Questions[0].KeyPoints = []string{"a", "b"}; return s }, "2 key points"},
		{"too many key points", func(s []Skill) []Skill {
			s[0].Questions[0].KeyPoints = strings.Split("a b c d e f g", " ")
			return s
		}, "7 key points"},
		{"bad kind", func(s []Skill) []Skill { s[0].Questions[1].Kind = "trivia"; return s }, `kind "trivia"`},
		{"duplicate text", func(s []Skill) []Skill { s[0].Questions[2].Text = "A?"; return s }, "same text"},
		{"too few questions", func(s []Skill) []Skill { s[0].Questions = s[0].Questions[:2]; return s }, "want at least 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.mutate([]Skill{good()}))
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestLiteralEscapesQuotes(t *testing.T) {
	if got := lit("the team's code"); got != "'the team''s code'" {
		t.Fatalf("lit = %s", got)
	}
}
