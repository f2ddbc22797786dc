package service

import (
	"errors"
	"strings"
	"testing"

	"github.com/interviewapi/operator/internal/jd"
	"github.com/interviewapi/operator/internal/store"
)

func bankOf(skill string, n int) []store.Question {
	qs := make([]store.Question, n)
	for i := range qs {
		qs[i] = store.Question{ID: skill + "-" + string(rune('a'+i)), SkillID: skill}
	}
	return qs
}

func TestPlanQuestions(t *testing.T) {
	skills := []jd.SkillMatch{{ID: "go", Name: "Go", Mentions: 3}, {ID: "k8s", Name: "Kubernetes", Mentions: 2}, {ID: "rust", Name: "Rust", Mentions: 1}}
	tests := []struct {
		name         string
		skills       []jd.SkillMatch
		bank         []store.Question
		n            int
		wantBank     []string
		wantGenerate int
		wantFor      []string
	}{
		{
			name:   "bank covers two skills in turn, generator the third and the role",
			skills: skills, bank: append(bankOf("go", 5), bankOf("k8s", 5)...), n: 6,
			wantBank: []string{"go-a", "k8s-a", "go-b", "k8s-b"}, wantGenerate: 2, wantFor: []string{"rust"},
		},
		{
			name:   "bank runs short: the generator writes the rest for covered skills too",
			skills: skills, bank: bankOf("go", 1), n: 5,
			wantBank: []string{"go-a"}, wantGenerate: 4, wantFor: []string{"k8s", "rust", "go"},
		},
		{
			name: "no skills: everything is role-tailored",
			n:    3, wantGenerate: 3,
		},
		{
			name:   "one question: the role-tailored one",
			skills: skills, bank: bankOf("go", 3), n: 1, wantGenerate: 1,
		},
		{
			name:   "uncovered skills beyond n are dropped",
			skills: skills, n: 2, wantGenerate: 2, wantFor: []string{"go"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := planQuestions(tt.skills, tt.bank, tt.n, jd.Mid)
			var gotBank, gotFor []string
			for _, q := range p.fromBank {
				gotBank = append(gotBank, q.ID)
			}
			for _, s := range p.generateFor {
				gotFor = append(gotFor, s.ID)
			}
			if strings.Join(gotBank, ",") != strings.Join(tt.wantBank, ",") || p.generate != tt.wantGenerate ||
				strings.Join(gotFor, ",") != strings.Join(tt.wantFor, ",") {
				t.Errorf("plan: bank %v, generate %d for %v; want bank %v, generate %d for %v",
					gotBank, p.generate, gotFor, tt.wantBank, tt.wantGenerate, tt.wantFor)
			}
			if len(p.fromBank)+p.generate != tt.n {
				t.Errorf("plan holds %d questions, want %d", len(p.fromBank)+p.generate, tt.n)
			}
		})
	}
}

func TestPlanQuestionsRotatesDifficulties(t *testing.T) {
	var bank []store.Question
	for _, d := range []string{store.Easy, store.Easy, store.Medium, store.Medium, store.Hard, store.Hard} {
		bank = append(bank, store.Question{ID: "go-" + d + "-" + string(rune('0'+len(bank))), SkillID: "go", Difficulty: d})
	}
	skills := []jd.SkillMatch{{ID: "go", Name: "Go", Mentions: 1}}
	tests := []struct {
		seniority string
		want      []string
	}{
		{jd.Junior, []string{store.Easy, store.Medium, store.Hard, store.Easy}},
		{jd.Mid, []string{store.Medium, store.Hard, store.Easy, store.Medium}},
		{jd.Senior, []string{store.Hard, store.Easy, store.Medium, store.Hard}},
	}
	for _, tt := range tests {
		p := planQuestions(skills, bank, 5, tt.seniority)
		var got []string
		for _, q := range p.fromBank {
			got = append(got, q.Difficulty)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: bank difficulties %v, want %v", tt.seniority, got, tt.want)
		}
	}
	if len(bank) != 6 || bank[0].ID != "go-easy-0" {
		t.Error("planQuestions modified the bank slice it was given")
	}
}

func TestParseJDInputValidation(t *testing.T) {
	tests := []struct {
		name      string
		in        ParseJDInput
		wantField string // "" = valid
	}{
		{"valid", ParseJDInput{JobDescription: "Go developer", NumQuestions: 10}, ""},
		{"at the length limit", ParseJDInput{JobDescription: strings.Repeat("é", MaxJobDescriptionChars), NumQuestions: 1}, ""},
		{"empty", ParseJDInput{JobDescription: "", NumQuestions: 10}, "job_description"},
		{"blank", ParseJDInput{JobDescription: " \n\t", NumQuestions: 10}, "job_description"},
		{"too long", ParseJDInput{JobDescription: strings.Repeat("a", MaxJobDescriptionChars+1), NumQuestions: 10}, "job_description"},
		{"zero questions", ParseJDInput{JobDescription: "x", NumQuestions: 0}, "num_questions"},
		{"too many questions", ParseJDInput{JobDescription: "x", NumQuestions: MaxNumQuestions + 1}, "num_questions"},
		{"difficulty", ParseJDInput{JobDescription: "x", NumQuestions: 1, Difficulty: "brutal"}, "difficulty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			err := in.validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("valid input rejected: %v", err)
				}
				if in.Difficulty != DifficultyMixed {
					t.Errorf("difficulty defaulted to %q, want mixed", in.Difficulty)
				}
				return
			}
			var inv *InvalidInputError
			if !errors.As(err, &inv) || inv.Field != tt.wantField {
				t.Fatalf("error %v, want an InvalidInputError on %s", err, tt.wantField)
			}
		})
	}
}

func TestAnalyzeInputValidation(t *testing.T) {
	ok := AnalyzeInput{SessionID: "s", QuestionID: "q", Answer: "a"}
	tests := []struct {
		name      string
		mutate    func(*AnalyzeInput)
		wantField string
	}{
		{"valid", func(*AnalyzeInput) {}, ""},
		{"no session", func(in *AnalyzeInput) { in.SessionID = "" }, "session_id"},
		{"no question", func(in *AnalyzeInput) { in.QuestionID = " " }, "question_id"},
		{"no answer", func(in *AnalyzeInput) { in.Answer = "" }, "answer"},
		{"answer too long", func(in *AnalyzeInput) { in.Answer = strings.Repeat("a", MaxAnswerChars+1) }, "answer"},
	}
	for _, tt := range tests {
		in := ok
		tt.mutate(&in)
		err := in.validate()
		var inv *InvalidInputError
		switch {
		case tt.wantField == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantField != "" && (!errors.As(err, &inv) || inv.Field != tt.wantField):
			t.Errorf("%s: error %v, want one on %s", tt.name, err, tt.wantField)
		}
	}
}
