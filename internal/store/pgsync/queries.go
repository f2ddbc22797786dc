package pgsync

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/interviewapi/operator/internal/store"
)

// SkillAliases implements store.Store.
func (s *Store) SkillAliases(ctx context.Context) ([]store.SkillAlias, error) {
	var out []store.SkillAlias
	err := s.run(ctx, func(sess *session) error {
		rows, err := sess.conn.QueryContext(ctx, store.SQLSkillAliases)
		if err != nil {
			return fmt.Errorf("query skill aliases: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var a store.SkillAlias
			if err := rows.Scan(&a.Alias, &a.SkillID, &a.SkillName); err != nil {
				return fmt.Errorf("scan skill alias: %w", err)
			}
			out = append(out, a)
		}
		return rows.Err()
	})
	return out, err
}

// BankQuestions implements store.Store.
func (s *Store) BankQuestions(ctx context.Context, q store.BankQuery) ([]store.Question, error) {
	var out []store.Question
	err := s.run(ctx, func(sess *session) error {
		rows, err := sess.conn.QueryContext(ctx, store.SQLBankQuestions, q.SkillIDs, q.Difficulty, q.Seed, q.PerSkill)
		if err != nil {
			return fmt.Errorf("query question bank: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var bq store.Question
			if err := rows.Scan(&bq.ID, &bq.SkillID, &bq.SkillName, &bq.Difficulty, &bq.Kind, &bq.Text,
				sess.types.SQLScanner(&bq.KeyPoints)); err != nil {
				return fmt.Errorf("scan question: %w", err)
			}
			out = append(out, bq)
		}
		return rows.Err()
	})
	return out, err
}

// CreateSession implements store.Store: the session and its questions commit together.
func (s *Store) CreateSession(ctx context.Context, sn store.Session) error {
	sessionArgs, err := store.InsertSessionArgs(sn)
	if err != nil {
		return err
	}
	questionArgs, err := store.InsertSessionQuestionsArgs(sn)
	if err != nil {
		return err
	}
	return s.run(ctx, func(sess *session) error {
		tx, err := sess.conn.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		if _, err := tx.ExecContext(ctx, store.SQLInsertSession, sessionArgs...); err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		if _, err := tx.ExecContext(ctx, store.SQLInsertSessionQuestions, questionArgs...); err != nil {
			return fmt.Errorf("insert session questions: %w", err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("commit session: %w", err)
		}
		return nil
	})
}

// SessionQuestion implements store.Store.
func (s *Store) SessionQuestion(ctx context.Context, sessionID, questionID string) (store.SessionQuestion, error) {
	var q store.SessionQuestion
	err := s.run(ctx, func(sess *session) error {
		var found bool
		err := sess.conn.QueryRowContext(ctx, store.SQLSessionQuestion, sessionID, questionID).Scan(
			&found, &q.Position, &q.ID, &q.SkillID, &q.SkillName, &q.Difficulty, &q.Kind, &q.Text,
			sess.types.SQLScanner(&q.KeyPoints), &q.Source)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return store.SessionNotFound(sessionID)
		case err != nil:
			return fmt.Errorf("query session question: %w", err)
		case !found:
			return store.QuestionNotFound(sessionID, questionID)
		}
		return nil
	})
	return q, err
}

// CreateAnalysis implements store.Store.
func (s *Store) CreateAnalysis(ctx context.Context, a *store.AnswerAnalysis) error {
	return s.run(ctx, func(sess *session) error {
		if err := sess.conn.QueryRowContext(ctx, store.SQLInsertAnalysis, store.InsertAnalysisArgs(a)...).Scan(&a.CreatedAt); err != nil {
			return fmt.Errorf("insert analysis: %w", err)
		}
		return nil
	})
}

// Session implements store.Store: three statements, one after the other.
func (s *Store) Session(ctx context.Context, id string) (store.SessionDetail, error) {
	var d store.SessionDetail
	err := s.run(ctx, func(sess *session) error {
		var skills, sources []byte
		err := sess.conn.QueryRowContext(ctx, store.SQLSession, id).Scan(
			&d.ID, &d.Role, &d.Seniority, &d.Difficulty, &d.JobDescription, &skills, &sources, &d.CreatedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return store.SessionNotFound(id)
		}
		if err != nil {
			return fmt.Errorf("query session: %w", err)
		}
		if err := store.DecodeSessionJSON(&d.Session, skills, sources); err != nil {
			return err
		}
		if d.Questions, err = sessionQuestions(ctx, sess, id); err != nil {
			return err
		}
		d.Analyses, err = sessionAnalyses(ctx, sess, id)
		return err
	})
	return d, err
}

func sessionQuestions(ctx context.Context, sess *session, id string) ([]store.SessionQuestion, error) {
	rows, err := sess.conn.QueryContext(ctx, store.SQLSessionQuestions, id)
	if err != nil {
		return nil, fmt.Errorf("query session questions: %w", err)
	}
	defer rows.Close()
	var out []store.SessionQuestion
	for rows.Next() {
		var q store.SessionQuestion
		if err := rows.Scan(&q.Position, &q.ID, &q.SkillID, &q.SkillName, &q.Difficulty, &q.Kind, &q.Text,
			sess.types.SQLScanner(&q.KeyPoints), &q.Source); err != nil {
			return nil, fmt.Errorf("scan session question: %w", err)
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

func sessionAnalyses(ctx context.Context, sess *session, id string) ([]store.AnswerAnalysis, error) {
	rows, err := sess.conn.QueryContext(ctx, store.SQLSessionAnalyses, id)
	if err != nil {
		return nil, fmt.Errorf("query session analyses: %w", err)
	}
	defer rows.Close()
	var out []store.AnswerAnalysis
	for rows.Next() {
		a := store.AnswerAnalysis{SessionID: id}
		if err := rows.Scan(&a.ID, &a.QuestionID, &a.Answer, &a.Score, &a.Coverage, &a.Depth, &a.Structure, &a.Examples,
			sess.types.SQLScanner(&a.CoveredPoints), sess.types.SQLScanner(&a.MissedPoints),
			sess.types.SQLScanner(&a.Strengths), sess.types.SQLScanner(&a.Improvements), &a.CreatedAt); err != nil {
			return nil, fmt.Errorf("scan analysis: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Counts implements store.Store.
func (s *Store) Counts(ctx context.Context) (store.Counts, error) {
	var c store.Counts
	err := s.run(ctx, func(sess *session) error {
		if err := sess.conn.QueryRowContext(ctx, store.SQLBankCounts).Scan(&c.Skills, &c.Aliases, &c.Questions); err != nil {
			return fmt.Errorf("count question bank: %w", err)
		}
		if err := sess.conn.QueryRowContext(ctx, store.SQLSessionCounts).Scan(&c.SessionsApprox, &c.AnalysesApprox); err != nil {
			return fmt.Errorf("count sessions: %w", err)
		}
		return nil
	})
	return c, err
}
