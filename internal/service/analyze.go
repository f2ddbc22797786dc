package service

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/interviewapi/operator/internal/scoring"
	"github.com/interviewapi/operator/internal/store"
)

// MaxAnswerChars bounds an answer like a job description.
const MaxAnswerChars = 50_000

// AnalyzeInput is an answer to one question of a session.
type AnalyzeInput struct {
	SessionID  string
	QuestionID string
	Answer     string
}

func (in AnalyzeInput) validate() error {
	switch {
	case strings.TrimSpace(in.SessionID) == "":
		return invalid("session_id", "must not be empty")
	case strings.TrimSpace(in.QuestionID) == "":
		return invalid("question_id", "must not be empty")
	case strings.TrimSpace(in.Answer) == "":
		return invalid("answer", "must not be empty")
	}
	if n := utf8.RuneCountInString(in.Answer); n > MaxAnswerChars {
		return invalid("answer", "is %d characters long, the limit is %d", n, MaxAnswerChars)
	}
	return nil
}

// AnalyzeAnswer scores an answer against the key points of its question and stores the
// analysis; the returned analysis is committed.
func (s *Service) AnalyzeAnswer(ctx context.Context, in AnalyzeInput) (store.AnswerAnalysis, error) {
	if err := in.validate(); err != nil {
		return store.AnswerAnalysis{}, err
	}
	ctx, end, err := s.operation(ctx)
	if err != nil {
		return store.AnswerAnalysis{}, err
	}
	defer end()
	if !isUUID(in.SessionID) {
		return store.AnswerAnalysis{}, store.SessionNotFound(in.SessionID)
	}
	q, err := s.store.SessionQuestion(ctx, in.SessionID, in.QuestionID)
	if err != nil {
		return store.AnswerAnalysis{}, err
	}
	res := scoring.ScoreAnswer(scoring.Question{Text: q.Text, Kind: q.Kind, KeyPoints: q.KeyPoints}, in.Answer)
	a := store.AnswerAnalysis{
		ID:            uuid.NewString(),
		SessionID:     in.SessionID,
		QuestionID:    in.QuestionID,
		Answer:        in.Answer,
		Score:         res.Score,
		Coverage:      res.Breakdown.Coverage,
		Depth:         res.Breakdown.Depth,
		Structure:     res.Breakdown.Structure,
		Examples:      res.Breakdown.Examples,
		CoveredPoints: res.CoveredPoints,
		MissedPoints:  res.MissedPoints,
		Strengths:     res.Strengths,
		Improvements:  res.Improvements,
	}
	if err := s.store.CreateAnalysis(ctx, &a); err != nil {
		return store.AnswerAnalysis{}, fmt.Errorf("store analysis: %w", err)
	}
	return a, nil
}

// Session returns a session with its questions and analysed answers.
func (s *Service) Session(ctx context.Context, id string) (store.SessionDetail, error) {
	if !isUUID(id) {
		return store.SessionDetail{}, store.SessionNotFound(id)
	}
	ctx, end, err := s.operation(ctx)
	if err != nil {
		return store.SessionDetail{}, err
	}
	defer end()
	return s.store.Session(ctx, id)
}

// isUUID reports whether id can name a session; anything else names none (404), and
// must not reach the database as a malformed uuid.
func isUUID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil && len(id) == 36
}
