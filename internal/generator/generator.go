// Package generator writes interview questions that the question bank does not hold:
// the seed's "hybrid AI service". Builtin writes them from templates in-process;
// OpenAI asks an OpenAI-compatible chat-completions endpoint; Fallback tries one and
// falls back to the other, reporting which answered.
package generator

import (
	"context"

	"github.com/interviewapi/operator/internal/jd"
)

// Difficulties and kinds of questions, as stored in the question bank.
const (
	Easy   = "easy"
	Medium = "medium"
	Hard   = "hard"
	// Mixed asks for a spread of difficulties; so does an empty Request.Difficulty.
	Mixed = "mixed"

	Technical    = "technical"
	Coding       = "coding"
	SystemDesign = "system_design"
	Behavioral   = "behavioral"
)

// Request asks for questions for a role.
//
// The result holds Count questions: one role-tailored question (SkillID "") when Role
// is set, and the rest cycling over Skills in order. Count <= 0 means one question per
// skill plus the role-tailored one. With no skills, every question is role-tailored.
type Request struct {
	Role       string        // e.g. "Senior Backend Engineer"
	Seniority  string        // junior, mid, senior or lead (jd's levels)
	Difficulty string        // easy, medium, hard, or mixed/"" for a spread
	Skills     []jd.SkillRef // skills to write questions for
	Count      int
}

// Question is a generated interview question.
type Question struct {
	Text       string
	SkillID    string // "" for a role-tailored question
	Difficulty string // easy, medium or hard
	Kind       string // technical, coding, system_design or behavioral
	KeyPoints  []string
}

// Generator writes questions for a request.
type Generator interface {
	// Name identifies the generator in responses ("builtin", "openai").
	Name() string
	Generate(ctx context.Context, r Request) ([]Question, error)
}

// wanted returns how many questions a request asks for.
func (r Request) wanted() int {
	if r.Count > 0 {
		return r.Count
	}
	n := len(r.Skills)
	if r.Role != "" || n == 0 {
		n++
	}
	return n
}

// difficultyAt returns the difficulty of the i-th question: the requested one, or
// for a mixed request a spread centred on the candidate's seniority.
func (r Request) difficultyAt(i int) string {
	switch r.Difficulty {
	case Easy, Medium, Hard:
		return r.Difficulty
	}
	levels := []string{Easy, Medium, Hard}
	offset := 1
	switch r.Seniority {
	case jd.Junior:
		offset = 0
	case jd.Senior, jd.Lead:
		offset = 2
	}
	// Start at the seniority's level and rotate so a long list still has all three.
	return levels[(offset+i)%len(levels)]
}

// validDifficulty and validKind check values against the bank's CHECK constraints.
func validDifficulty(d string) bool { return d == Easy || d == Medium || d == Hard }

func validKind(k string) bool {
	return k == Technical || k == Coding || k == SystemDesign || k == Behavioral
}
