package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Row scanning, in one place for both engines: the columns of each SELECT in
// queries.go and the row they fill. The engines differ in how they reach a row
// (database/sql's Rows and Row, or pgx's, alone or in a pipelined batch), never in the
// columns.

// Row is one row to scan: *sql.Rows, *sql.Row, pgx.Row and pgx.CollectableRow all are.
type Row interface {
	Scan(dest ...any) error
}

// TextArray adapts the destination of a PostgreSQL text[] column to the engine's
// driver: pgx scans into a *[]string itself (PgxTextArray), database/sql needs pgx's
// type map of the connection (pgtype.Map.SQLScanner).
type TextArray func(*[]string) any

// PgxTextArray is the TextArray of pgx.
func PgxTextArray(p *[]string) any { return p }

// Scanner reads one row of a query into a T; each engine supplies its TextArray.
type Scanner[T any] func(Row, TextArray) (T, error)

// ScanSkillAlias reads a row of SQLSkillAliases (it has no array column).
func ScanSkillAlias(r Row, _ TextArray) (SkillAlias, error) {
	var a SkillAlias
	if err := r.Scan(&a.Alias, &a.SkillID, &a.SkillName); err != nil {
		return a, fmt.Errorf("scan skill alias: %w", err)
	}
	return a, nil
}

// ScanBankQuestion reads a row of SQLBankQuestions.
func ScanBankQuestion(r Row, array TextArray) (Question, error) {
	var q Question
	if err := r.Scan(&q.ID, &q.SkillID, &q.SkillName, &q.Difficulty, &q.Kind, &q.Text, array(&q.KeyPoints)); err != nil {
		return q, fmt.Errorf("scan question: %w", err)
	}
	return q, nil
}

// sessionQuestionColumns are the destinations of a session question's columns, in the
// order SQLSessionQuestions and SQLSessionQuestion select them.
func sessionQuestionColumns(q *SessionQuestion, array TextArray) []any {
	return []any{&q.Position, &q.ID, &q.SkillID, &q.SkillName, &q.Difficulty, &q.Kind, &q.Text, array(&q.KeyPoints), &q.Source}
}

// ScanSessionQuestion reads a row of SQLSessionQuestions.
func ScanSessionQuestion(r Row, array TextArray) (SessionQuestion, error) {
	var q SessionQuestion
	if err := r.Scan(sessionQuestionColumns(&q, array)...); err != nil {
		return q, fmt.Errorf("scan session question: %w", err)
	}
	return q, nil
}

// ScanOneSessionQuestion reads the row of SQLSessionQuestion: no row is an unknown
// session, a row whose question is missing is a question the session does not have.
func ScanOneSessionQuestion(r Row, array TextArray, sessionID, questionID string) (SessionQuestion, error) {
	var q SessionQuestion
	var found bool
	err := r.Scan(append([]any{&found}, sessionQuestionColumns(&q, array)...)...)
	switch {
	case errors.Is(err, sql.ErrNoRows): // pgx.ErrNoRows is sql.ErrNoRows too
		return q, SessionNotFound(sessionID)
	case err != nil:
		return q, fmt.Errorf("query session question: %w", err)
	case !found:
		return q, QuestionNotFound(sessionID, questionID)
	}
	return q, nil
}

// ScanAnswerAnalysis reads a row of SQLSessionAnalyses, an analysed answer of session
// sessionID.
func ScanAnswerAnalysis(r Row, array TextArray, sessionID string) (AnswerAnalysis, error) {
	a := AnswerAnalysis{SessionID: sessionID}
	if err := r.Scan(&a.ID, &a.QuestionID, &a.Answer, &a.Score, &a.Coverage, &a.Depth, &a.Structure, &a.Examples,
		array(&a.CoveredPoints), array(&a.MissedPoints), array(&a.Strengths), array(&a.Improvements), &a.CreatedAt); err != nil {
		return a, fmt.Errorf("scan analysis: %w", err)
	}
	return a, nil
}

// ScanSession reads the row of SQLSession; no row is an unknown session.
func ScanSession(r Row, id string) (Session, error) {
	var s Session
	var skills, sources []byte
	err := r.Scan(&s.ID, &s.Role, &s.Seniority, &s.Difficulty, &s.JobDescription, &skills, &sources, &s.CreatedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return s, SessionNotFound(id)
	case err != nil:
		return s, fmt.Errorf("query session: %w", err)
	}
	return s, DecodeSessionJSON(&s, skills, sources)
}

// ScanBankCounts reads the row of SQLBankCounts into c.
func ScanBankCounts(r Row, c *Counts) error {
	if err := r.Scan(&c.Skills, &c.Aliases, &c.Questions); err != nil {
		return fmt.Errorf("count question bank: %w", err)
	}
	return nil
}

// ScanSessionCounts reads the row of SQLSessionCounts into c.
func ScanSessionCounts(r Row, c *Counts) error {
	if err := r.Scan(&c.SessionsApprox, &c.AnalysesApprox); err != nil {
		return fmt.Errorf("count sessions: %w", err)
	}
	return nil
}

// QueryFunc runs one query on a connection the engine holds for it and calls each for
// every row, with the engine's TextArray.
type QueryFunc func(ctx context.Context, each func(Row, TextArray) error, query string, args ...any) error

// ListQueries are the Store methods that list the rows of one query, written once for
// both engines: Engine embeds it with the engine's own QueryFunc.
type ListQueries struct {
	Query QueryFunc
}

// SkillAliases implements Store.SkillAliases.
func (l ListQueries) SkillAliases(ctx context.Context) ([]SkillAlias, error) {
	return listAll(ctx, l.Query, ScanSkillAlias, SQLSkillAliases)
}

// BankQuestions implements Store.BankQuestions.
func (l ListQueries) BankQuestions(ctx context.Context, q BankQuery) ([]Question, error) {
	return listAll(ctx, l.Query, ScanBankQuestion, SQLBankQuestions, q.SkillIDs, q.Difficulty, q.Seed, q.PerSkill)
}

// Bank implements Store.Bank.
func (l ListQueries) Bank(ctx context.Context) (*Bank, error) {
	qs, err := listAll(ctx, l.Query, ScanBankQuestion, SQLBank)
	if err != nil {
		return nil, err
	}
	return NewBank(qs), nil
}

// SchemaVersion implements Store.SchemaVersion.
func (l ListQueries) SchemaVersion(ctx context.Context) (int64, error) {
	var v int64
	err := l.Query(ctx, func(r Row, _ TextArray) error {
		if err := r.Scan(&v); err != nil {
			return fmt.Errorf("scan schema version: %w", err)
		}
		return nil
	}, SQLSchemaVersion)
	return v, err
}

func listAll[T any](ctx context.Context, query QueryFunc, scan Scanner[T], sql string, args ...any) ([]T, error) {
	var out []T
	err := query(ctx, func(r Row, array TextArray) error {
		v, err := scan(r, array)
		if err == nil {
			out = append(out, v)
		}
		return err
	}, sql, args...)
	return out, err
}
