package store

import (
	"encoding/json"
	"fmt"
)

// The encodings below are shared by both engines so that they write identical rows.

// sessionQuestionRow is one element of SQLInsertSessionQuestions' JSON parameter.
type sessionQuestionRow struct {
	Position   int      `json:"position"`
	QuestionID string   `json:"question_id"`
	SkillID    string   `json:"skill_id"`
	SkillName  string   `json:"skill_name"`
	Difficulty string   `json:"difficulty"`
	Kind       string   `json:"kind"`
	Text       string   `json:"text"`
	KeyPoints  []string `json:"key_points"`
	Source     string   `json:"source"`
}

// CreateSessionArgs returns the parameters of the two statements that store a session:
// SQLInsertSession's and SQLInsertSessionQuestions'.
func CreateSessionArgs(s Session) (session, questions []any, err error) {
	if session, err = InsertSessionArgs(s); err != nil {
		return nil, nil, err
	}
	if questions, err = InsertSessionQuestionsArgs(s); err != nil {
		return nil, nil, err
	}
	return session, questions, nil
}

// InsertSessionArgs returns the parameters of SQLInsertSession.
func InsertSessionArgs(s Session) ([]any, error) {
	skills := s.Skills
	if skills == nil {
		skills = []SessionSkill{}
	}
	skillsJSON, err := json.Marshal(skills)
	if err != nil {
		return nil, fmt.Errorf("encode skills: %w", err)
	}
	sourcesJSON, err := json.Marshal(s.Sources)
	if err != nil {
		return nil, fmt.Errorf("encode sources: %w", err)
	}
	return []any{s.ID, s.Role, s.Seniority, s.Difficulty, s.JobDescription, string(skillsJSON), string(sourcesJSON)}, nil
}

// InsertSessionQuestionsArgs returns the parameters of SQLInsertSessionQuestions.
func InsertSessionQuestionsArgs(s Session) ([]any, error) {
	rows := make([]sessionQuestionRow, len(s.Questions))
	for i, q := range s.Questions {
		kp := q.KeyPoints
		if kp == nil {
			kp = []string{}
		}
		rows[i] = sessionQuestionRow{
			Position: q.Position, QuestionID: q.ID, SkillID: q.SkillID, SkillName: q.SkillName,
			Difficulty: q.Difficulty, Kind: q.Kind, Text: q.Text, KeyPoints: kp, Source: q.Source,
		}
	}
	js, err := json.Marshal(rows)
	if err != nil {
		return nil, fmt.Errorf("encode session questions: %w", err)
	}
	return []any{s.ID, string(js)}, nil
}

// InsertAnalysisArgs returns the parameters of SQLInsertAnalysis.
func InsertAnalysisArgs(a *AnswerAnalysis) []any {
	return []any{a.ID, a.SessionID, a.QuestionID, a.Answer, a.Score, a.Coverage, a.Depth, a.Structure, a.Examples,
		nonNil(a.CoveredPoints), nonNil(a.MissedPoints), nonNil(a.Strengths), nonNil(a.Improvements)}
}

// DecodeSessionJSON fills s.Skills and s.Sources from their stored JSON.
func DecodeSessionJSON(s *Session, skills, sources []byte) error {
	if err := json.Unmarshal(skills, &s.Skills); err != nil {
		return fmt.Errorf("decode skills of session %s: %w", s.ID, err)
	}
	if err := json.Unmarshal(sources, &s.Sources); err != nil {
		return fmt.Errorf("decode sources of session %s: %w", s.ID, err)
	}
	return nil
}

// SessionNotFound reports an unknown session; it wraps ErrNotFound.
func SessionNotFound(id string) error { return fmt.Errorf("session %q: %w", id, ErrNotFound) }

// QuestionNotFound reports a question that the session does not contain; it wraps
// ErrNotFound.
func QuestionNotFound(sessionID, questionID string) error {
	return fmt.Errorf("question %q in session %q: %w", questionID, sessionID, ErrNotFound)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
