package generator

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/interviewapi/operator/internal/jd"
)

func skills(ids ...string) []jd.SkillRef {
	out := make([]jd.SkillRef, len(ids))
	for i, id := range ids {
		out[i] = jd.SkillRef{ID: id, Name: strings.ToUpper(id[:1]) + id[1:]}
	}
	return out
}

func TestBuiltinGenerate(t *testing.T) {
	tests := []struct {
		name        string
		req         Request
		wantSkills  []string // SkillID of each question, "" for role-tailored
		wantLevels  []string // difficulty of each question, nil to skip
		wantRoleCue string   // text every role question must contain
	}{
		{
			name:        "one per skill plus the role question by default",
			req:         Request{Role: "Senior Backend Engineer", Seniority: jd.Senior, Skills: skills("go", "rust")},
			wantSkills:  []string{"go", "rust", ""},
			wantLevels:  []string{Hard, Easy, Medium},
			wantRoleCue: "Senior Backend Engineer",
		},
		{
			name:       "count cycles over skills",
			req:        Request{Difficulty: Medium, Skills: skills("go", "rust"), Count: 5},
			wantSkills: []string{"go", "rust", "go", "rust", "go"},
			wantLevels: []string{Medium, Medium, Medium, Medium, Medium},
		},
		{
			name:        "count includes the role question",
			req:         Request{Role: "Data Engineer", Difficulty: Easy, Skills: skills("python", "sql", "spark"), Count: 2},
			wantSkills:  []string{"python", ""},
			wantLevels:  []string{Easy, Easy},
			wantRoleCue: "Data Engineer",
		},
		{
			name:        "no skills gives role questions only",
			req:         Request{Role: "Engineering Manager", Seniority: jd.Junior, Count: 3},
			wantSkills:  []string{"", "", ""},
			wantLevels:  []string{Easy, Medium, Hard},
			wantRoleCue: "Engineering Manager",
		},
		{
			name:       "empty request still gives one question",
			req:        Request{},
			wantSkills: []string{""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qs, err := Builtin{}.Generate(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			var ids, levels []string
			for _, q := range qs {
				ids = append(ids, q.SkillID)
				levels = append(levels, q.Difficulty)
				checkQuestion(t, q)
				if q.SkillID == "" && !strings.Contains(q.Text, tt.wantRoleCue) {
					t.Errorf("role question %q does not mention %q", q.Text, tt.wantRoleCue)
				}
				if q.SkillID != "" && strings.Contains(q.Text, "{") {
					t.Errorf("unfilled placeholder in %q", q.Text)
				}
			}
			if !reflect.DeepEqual(ids, tt.wantSkills) {
				t.Errorf("skills = %q, want %q", ids, tt.wantSkills)
			}
			if tt.wantLevels != nil && !reflect.DeepEqual(levels, tt.wantLevels) {
				t.Errorf("difficulties = %q, want %q", levels, tt.wantLevels)
			}
		})
	}
}

// checkQuestion asserts what the question bank and the scorer need of a question.
func checkQuestion(t *testing.T, q Question) {
	t.Helper()
	if q.Text == "" || !validDifficulty(q.Difficulty) || !validKind(q.Kind) {
		t.Errorf("invalid question %+v", q)
	}
	if len(q.KeyPoints) < 3 {
		t.Errorf("question %q has %d key points, want at least 3", q.Text, len(q.KeyPoints))
	}
	for _, kp := range q.KeyPoints {
		if strings.Contains(kp, "{") {
			t.Errorf("unfilled placeholder in key point %q", kp)
		}
	}
}

func TestBuiltinIsDeterministicAndVaried(t *testing.T) {
	req := Request{Role: "Platform Engineer", Seniority: jd.Mid, Skills: skills("go", "kubernetes", "terraform", "aws", "python", "docker"), Count: 12}
	first, err := Builtin{}.Generate(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Builtin{}.Generate(context.Background(), req)
	if !reflect.DeepEqual(first, again) {
		t.Fatal("two calls with the same request gave different questions")
	}
	texts := map[string]bool{}
	kinds := map[string]bool{}
	for _, q := range first {
		texts[q.Text] = true
		kinds[q.Kind] = true
	}
	if len(texts) != len(first) {
		t.Errorf("%d distinct texts among %d questions: repeats of a skill should differ", len(texts), len(first))
	}
	if len(kinds) < 3 {
		t.Errorf("kinds %v: want a mix of at least three", kinds)
	}
}

func TestBuiltinTemplatesAreComplete(t *testing.T) {
	for _, kind := range []string{Technical, Coding, SystemDesign} {
		for _, d := range []string{Easy, Medium, Hard} {
			for _, tpl := range skillTemplates(kind, d) {
				if !strings.Contains(tpl.text, "{skill}") || len(tpl.keyPoints) < 3 || len(tpl.keyPoints) > 6 {
					t.Errorf("%s/%s template %q: needs {skill} and 3-6 key points", kind, d, tpl.text)
				}
			}
		}
	}
	for _, d := range []string{Easy, Medium, Hard} {
		for _, tpl := range roleTemplates(d) {
			if !validKind(tpl.kind) || len(tpl.keyPoints) < 3 {
				t.Errorf("%s role template %q: needs a kind and 3+ key points", d, tpl.text)
			}
		}
	}
}

func TestBuiltinLatency(t *testing.T) {
	t.Run("waits before answering", func(t *testing.T) {
		start := time.Now()
		qs, err := Builtin{Latency: 30 * time.Millisecond}.Generate(context.Background(), Request{Skills: skills("go")})
		if err != nil || len(qs) == 0 {
			t.Fatalf("Generate = %v, %v", qs, err)
		}
		if elapsed := time.Since(start); elapsed < 30*time.Millisecond {
			t.Fatalf("returned after %v, before its 30ms latency", elapsed)
		}
	})
	t.Run("honours cancellation", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { time.Sleep(10 * time.Millisecond); cancel() }()
		qs, err := Builtin{Latency: time.Hour}.Generate(ctx, Request{Skills: skills("go")})
		if !errors.Is(err, context.Canceled) || qs != nil {
			t.Fatalf("Generate = %v, %v; want context.Canceled and no questions", qs, err)
		}
	})
	t.Run("an ended context fails even without latency", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := (Builtin{}).Generate(ctx, Request{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}
