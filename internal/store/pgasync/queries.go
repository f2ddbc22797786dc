package pgasync

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewapi/operator/internal/store"
)

// Each method holds a connection for one statement, or for one pipelined batch of the
// statements it can send together (CreateSession, Session, Counts): one round trip.
// Rows are read by the shared scanners (store/scan.go).

// insertSession is the engine's store.InsertSessionFunc: both inserts travel in one
// pipelined batch, which PostgreSQL runs as one implicit transaction, so they commit
// together in a single round trip.
func (s *Store) insertSession(ctx context.Context, sessionArgs, questionArgs []any) error {
	var b pgx.Batch
	b.Queue(store.SQLInsertSession, sessionArgs...)
	b.Queue(store.SQLInsertSessionQuestions, questionArgs...)
	return s.sendBatch(ctx, &b, "insert session")
}

// SessionQuestion implements store.Store.
func (s *Store) SessionQuestion(ctx context.Context, sessionID, questionID string) (store.SessionQuestion, error) {
	var q store.SessionQuestion
	err := s.run(ctx, func(c *pgxpool.Conn) (err error) {
		q, err = store.ScanOneSessionQuestion(c.QueryRow(ctx, store.SQLSessionQuestion, sessionID, questionID),
			store.PgxTextArray, sessionID, questionID)
		return err
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
	var notFound error // an unknown session still lets the batch read its other results
	b.Queue(store.SQLSession, id).QueryRow(func(row pgx.Row) (err error) {
		d.Session, err = store.ScanSession(row, id)
		if errors.Is(err, store.ErrNotFound) {
			notFound, err = err, nil
		}
		return err
	})
	b.Queue(store.SQLSessionQuestions, id).Query(func(rows pgx.Rows) (err error) {
		d.Questions, err = collect(rows, nil, store.ScanSessionQuestion)
		return err
	})
	b.Queue(store.SQLSessionAnalyses, id).Query(func(rows pgx.Rows) (err error) {
		d.Analyses, err = collect(rows, nil, func(r store.Row, array store.TextArray) (store.AnswerAnalysis, error) {
			return store.ScanAnswerAnalysis(r, array, id)
		})
		return err
	})
	if err := s.sendBatch(ctx, &b, "read session"); err != nil {
		return store.SessionDetail{}, err
	}
	if notFound != nil {
		return store.SessionDetail{}, notFound
	}
	return d, nil
}

// Counts implements store.Store: both counts in one batch.
func (s *Store) Counts(ctx context.Context) (store.Counts, error) {
	var c store.Counts
	var b pgx.Batch
	b.Queue(store.SQLBankCounts).QueryRow(func(row pgx.Row) error { return store.ScanBankCounts(row, &c) })
	b.Queue(store.SQLSessionCounts).QueryRow(func(row pgx.Row) error { return store.ScanSessionCounts(row, &c) })
	return c, s.sendBatch(ctx, &b, "count")
}

// sendBatch sends a pipelined batch on one connection, held for the round trip.
func (s *Store) sendBatch(ctx context.Context, b *pgx.Batch, what string) error {
	return s.run(ctx, func(c *pgxpool.Conn) error {
		if err := c.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	})
}

// queryEach is the engine's store.QueryFunc: one query on a connection held for it.
func (s *Store) queryEach(ctx context.Context, each func(store.Row, store.TextArray) error, query string, args ...any) error {
	return s.run(ctx, func(c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, query, args...)
		_, err = collect(rows, err, func(r store.Row, array store.TextArray) (struct{}, error) {
			return struct{}{}, each(r, array)
		})
		return err
	})
}

// collect reads every row of a query (rows and err as Query returned them) with scan.
func collect[T any](rows pgx.Rows, err error, scan store.Scanner[T]) ([]T, error) {
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row, store.PgxTextArray) })
}
