package pgsync

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/interviewapi/operator/internal/store"
)

// The statements run one at a time on the request's connection (session), each a round
// trip; only CreateSession needs a transaction. Rows are read by the shared scanners
// (store/scan.go), arrays through the connection's pgx type map.

// insertSession is the engine's store.InsertSessionFunc: the session and its questions
// commit together in one transaction on the operation's connection.
func (s *Store) insertSession(ctx context.Context, sessionArgs, questionArgs []any) error {
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
	err := s.run(ctx, func(sess *session) (err error) {
		q, err = store.ScanOneSessionQuestion(sess.conn.QueryRowContext(ctx, store.SQLSessionQuestion, sessionID, questionID),
			sess.array, sessionID, questionID)
		return err
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
	err := s.run(ctx, func(sess *session) (err error) {
		if d.Session, err = store.ScanSession(sess.conn.QueryRowContext(ctx, store.SQLSession, id), id); err != nil {
			return err
		}
		rows, err := sess.conn.QueryContext(ctx, store.SQLSessionQuestions, id)
		if d.Questions, err = collect(rows, err, sess.array, store.ScanSessionQuestion); err != nil {
			return err
		}
		rows, err = sess.conn.QueryContext(ctx, store.SQLSessionAnalyses, id)
		d.Analyses, err = collect(rows, err, sess.array, func(r store.Row, array store.TextArray) (store.AnswerAnalysis, error) {
			return store.ScanAnswerAnalysis(r, array, id)
		})
		return err
	})
	return d, err
}

// Counts implements store.Store.
func (s *Store) Counts(ctx context.Context) (store.Counts, error) {
	var c store.Counts
	err := s.run(ctx, func(sess *session) error {
		if err := store.ScanBankCounts(sess.conn.QueryRowContext(ctx, store.SQLBankCounts), &c); err != nil {
			return err
		}
		return store.ScanSessionCounts(sess.conn.QueryRowContext(ctx, store.SQLSessionCounts), &c)
	})
	return c, err
}

// queryEach is the engine's store.QueryFunc: one query on the request's connection.
func (s *Store) queryEach(ctx context.Context, each func(store.Row, store.TextArray) error, query string, args ...any) error {
	return s.run(ctx, func(sess *session) error {
		rows, err := sess.conn.QueryContext(ctx, query, args...)
		_, err = collect(rows, err, sess.array, func(r store.Row, array store.TextArray) (struct{}, error) {
			return struct{}{}, each(r, array)
		})
		return err
	})
}

// collect reads every row of a query (rows and err as QueryContext returned them) with
// scan, as pgx.CollectRows does for the async engine.
func collect[T any](rows *sql.Rows, err error, array store.TextArray, scan store.Scanner[T]) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows, array)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
