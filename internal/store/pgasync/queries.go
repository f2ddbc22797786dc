package pgasync

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewapi/operator/internal/store"
)

// SkillAliases implements store.Store.
func (s *Store) SkillAliases(ctx context.Context) ([]store.SkillAlias, error) {
	var out []store.SkillAlias
	err := s.run(ctx, func(c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, store.SQLSkillAliases)
		if err != nil {
			return fmt.Errorf("query skill aliases: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.SkillAlias, error) {
			var a store.SkillAlias
			err := row.Scan(&a.Alias, &a.SkillID, &a.SkillName)
			return a, err
		})
		if err != nil {
			return fmt.Errorf("scan skill aliases: %w", err)
		}
		return nil
	})
	return out, err
}

// BankQuestions implements store.Store.
func (s *Store) BankQuestions(ctx context.Context, q store.BankQuery) ([]store.Question, error) {
	var out []store.Question
	err := s.run(ctx, func(c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, store.SQLBankQuestions, q.SkillIDs, q.Difficulty, q.Seed, q.PerSkill)
		if err != nil {
			return fmt.Errorf("query question bank: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Question, error) {
			var bq store.Question
			err := row.Scan(&bq.ID, &bq.SkillID, &bq.SkillName, &bq.Difficulty, &bq.Kind, &bq.Text, &bq.KeyPoints)
			return bq, err
		})
		if err != nil {
			return fmt.Errorf("scan questions: %w", err)
		}
		return nil
	})
	return out, err
}

// CreateSession implements store.Store: both inserts travel in one pipelined batch,
// which PostgreSQL runs as one implicit transaction, so they commit together in a
// single round trip.
func (s *Store) CreateSession(ctx context.Context, sn store.Session) error {
	sessionArgs, err := store.InsertSessionArgs(sn)
	if err != nil {
		return err
	}
	questionArgs, err := store.InsertSessionQuestionsArgs(sn)
	if err != nil {
		return err
	}
	var b pgx.Batch
	b.Queue(store.SQLInsertSession, sessionArgs...)
	b.Queue(store.SQLInsertSessionQuestions, questionArgs...)
	return s.run(ctx, func(c *pgxpool.Conn) error {
		if err := c.SendBatch(ctx, &b).Close(); err != nil {
			return fmt.Errorf("insert session: %w", err)
		}
		return nil
	})
}

// SessionQuestion implements store.Store.
func (s *Store) SessionQuestion(ctx context.Context, sessionID, questionID string) (store.SessionQuestion, error) {
	var q store.SessionQuestion
	err := s.run(ctx, func(c *pgxpool.Conn) error {
		var found bool
		err := c.QueryRow(ctx, store.SQLSessionQuestion, sessionID, questionID).Scan(
			&found, &q.Position, &q.ID, &q.SkillID, &q.SkillName, &q.Difficulty, &q.Kind, &q.Text, &q.KeyPoints, &q.Source)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
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
	return s.run(ctx, func(c *pgxpool.Conn) error {
		if err := c.QueryRow(ctx, store.SQLInsertAnalysis, store.InsertAnalysisArgs(a)...).Scan(&a.CreatedAt); err != nil {
			return fmt.Errorf("insert analysis: %w", err)
		}
		return nil
	})
}

// Session implements store.Store: the three reads are independent and travel in one
// pipelined batch.
func (s *Store) Session(ctx context.Context, id string) (store.SessionDetail, error) {
	var d store.SessionDetail
	var b pgx.Batch
	var skills, sources []byte
	found := true
	b.Queue(store.SQLSession, id).QueryRow(func(row pgx.Row) error {
		err := row.Scan(&d.ID, &d.Role, &d.Seniority, &d.Difficulty, &d.JobDescription, &skills, &sources, &d.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			found = false
			return nil
		}
		return err
	})
	b.Queue(store.SQLSessionQuestions, id).Query(func(rows pgx.Rows) error {
		var err error
		d.Questions, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.SessionQuestion, error) {
			var q store.SessionQuestion
			err := row.Scan(&q.Position, &q.ID, &q.SkillID, &q.SkillName, &q.Difficulty, &q.Kind, &q.Text, &q.KeyPoints, &q.Source)
			return q, err
		})
		return err
	})
	b.Queue(store.SQLSessionAnalyses, id).Query(func(rows pgx.Rows) error {
		var err error
		d.Analyses, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.AnswerAnalysis, error) {
			a := store.AnswerAnalysis{SessionID: id}
			err := row.Scan(&a.ID, &a.QuestionID, &a.Answer, &a.Score, &a.Coverage, &a.Depth, &a.Structure, &a.Examples,
				&a.CoveredPoints, &a.MissedPoints, &a.Strengths, &a.Improvements, &a.CreatedAt)
			return a, err
		})
		return err
	})
	err := s.run(ctx, func(c *pgxpool.Conn) error {
		if err := c.SendBatch(ctx, &b).Close(); err != nil {
			return fmt.Errorf("read session: %w", err)
		}
		return nil
	})
	if err != nil {
		return store.SessionDetail{}, err
	}
	if !found {
		return store.SessionDetail{}, store.SessionNotFound(id)
	}
	if err := store.DecodeSessionJSON(&d.Session, skills, sources); err != nil {
		return store.SessionDetail{}, err
	}
	return d, nil
}

// Counts implements store.Store: both counts in one batch.
func (s *Store) Counts(ctx context.Context) (store.Counts, error) {
	var c store.Counts
	var b pgx.Batch
	b.Queue(store.SQLBankCounts).QueryRow(func(row pgx.Row) error {
		return row.Scan(&c.Skills, &c.Aliases, &c.Questions)
	})
	b.Queue(store.SQLSessionCounts).QueryRow(func(row pgx.Row) error {
		return row.Scan(&c.SessionsApprox, &c.AnalysesApprox)
	})
	err := s.run(ctx, func(conn *pgxpool.Conn) error {
		if err := conn.SendBatch(ctx, &b).Close(); err != nil {
			return fmt.Errorf("count: %w", err)
		}
		return nil
	})
	return c, err
}
