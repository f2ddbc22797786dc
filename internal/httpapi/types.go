package httpapi

import (
	"time"

	"github.com/interviewapi/operator/internal/store"
)

// questionJSON is a question as the candidate sees it; its key points, the scoring
// rubric, stay on the server.
type questionJSON struct {
	ID         string `json:"id"`
	Text       string `json:"text"`
	Skill      string `json:"skill"`    // display name; "" for a role-tailored question
	SkillID    string `json:"skill_id"` // "" for a role-tailored question
	Difficulty string `json:"difficulty"`
	Kind       string `json:"kind"`
	Source     string `json:"source"` // "bank" or the generator's name
}

// sessionJSON is the response of parse-jd and the head of GET /api/v1/sessions/:id.
type sessionJSON struct {
	SessionID  string               `json:"session_id"`
	Role       string               `json:"role"`
	Seniority  string               `json:"seniority"`
	Difficulty string               `json:"difficulty"`
	Skills     []store.SessionSkill `json:"skills"`
	Questions  []questionJSON       `json:"questions"`
	Sources    store.Sources        `json:"sources"`
	CreatedAt  *time.Time           `json:"created_at,omitempty"`
}

// breakdownJSON is the four dimensions of a score.
type breakdownJSON struct {
	Coverage  int `json:"coverage"`
	Depth     int `json:"depth"`
	Structure int `json:"structure"`
	Examples  int `json:"examples"`
}

// analysisJSON is the response of analyze-answer and an answer of a session.
type analysisJSON struct {
	AnalysisID    string        `json:"analysis_id"`
	SessionID     string        `json:"session_id"`
	QuestionID    string        `json:"question_id"`
	Answer        string        `json:"answer,omitempty"`
	Score         int           `json:"score"`
	Breakdown     breakdownJSON `json:"breakdown"`
	CoveredPoints []string      `json:"covered_points"`
	MissedPoints  []string      `json:"missed_points"`
	Strengths     []string      `json:"strengths"`
	Improvements  []string      `json:"improvements"`
	CreatedAt     time.Time     `json:"created_at"`
}

// sessionDetailJSON is the response of GET /api/v1/sessions/:id.
type sessionDetailJSON struct {
	sessionJSON
	Answers []analysisJSON `json:"answers"`
}

func toSessionJSON(s store.Session) sessionJSON {
	out := sessionJSON{
		SessionID: s.ID, Role: s.Role, Seniority: s.Seniority, Difficulty: s.Difficulty,
		Skills: nonNilSlice(s.Skills), Sources: s.Sources, Questions: make([]questionJSON, len(s.Questions)),
	}
	if !s.CreatedAt.IsZero() {
		created := s.CreatedAt
		out.CreatedAt = &created
	}
	for i, q := range s.Questions {
		out.Questions[i] = questionJSON{ID: q.ID, Text: q.Text, Skill: q.SkillName, SkillID: q.SkillID,
			Difficulty: q.Difficulty, Kind: q.Kind, Source: q.Source}
	}
	return out
}

// toAnalysisJSON converts an analysis; the answer text is echoed only where asked for
// (a session's history), not back to the client that just sent it.
func toAnalysisJSON(a store.AnswerAnalysis, withAnswer bool) analysisJSON {
	out := analysisJSON{
		AnalysisID: a.ID, SessionID: a.SessionID, QuestionID: a.QuestionID, Score: a.Score,
		Breakdown:     breakdownJSON{Coverage: a.Coverage, Depth: a.Depth, Structure: a.Structure, Examples: a.Examples},
		CoveredPoints: nonNilSlice(a.CoveredPoints), MissedPoints: nonNilSlice(a.MissedPoints),
		Strengths: nonNilSlice(a.Strengths), Improvements: nonNilSlice(a.Improvements), CreatedAt: a.CreatedAt,
	}
	if withAnswer {
		out.Answer = a.Answer
	}
	return out
}

func toSessionDetailJSON(d store.SessionDetail) sessionDetailJSON {
	out := sessionDetailJSON{sessionJSON: toSessionJSON(d.Session), Answers: make([]analysisJSON, len(d.Analyses))}
	for i, a := range d.Analyses {
		out.Answers[i] = toAnalysisJSON(a, true)
	}
	return out
}

// nonNilSlice makes empty lists encode as [] rather than null.
func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
