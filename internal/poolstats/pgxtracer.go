package poolstats

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PgxTracer feeds a Recorder from pgx: every statement and pipelined batch as a round
// trip (both engines run on pgx connections), and, when installed on a pgxpool, every
// acquire. Set it as pgx.ConnConfig.Tracer.
type PgxTracer struct{ rec *Recorder }

// PgxTracer returns a tracer that reports to r.
func (r *Recorder) PgxTracer() *PgxTracer { return &PgxTracer{rec: r} }

var (
	_ pgx.QueryTracer       = (*PgxTracer)(nil)
	_ pgx.BatchTracer       = (*PgxTracer)(nil)
	_ pgxpool.AcquireTracer = (*PgxTracer)(nil)
)

type queryStartKey struct{}

type batchTrace struct {
	start      time.Time
	statements int
	failed     bool
}

type batchKey struct{}

type acquireStartKey struct{}

// TraceQueryStart implements pgx.QueryTracer.
func (t *PgxTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return context.WithValue(ctx, queryStartKey{}, t.rec.now())
}

// TraceQueryEnd implements pgx.QueryTracer.
func (t *PgxTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	if start, ok := ctx.Value(queryStartKey{}).(time.Time); ok {
		t.rec.RoundTrip(t.rec.now().Sub(start), 1, data.Err != nil)
	}
}

// TraceBatchStart implements pgx.BatchTracer.
func (t *PgxTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return context.WithValue(ctx, batchKey{}, &batchTrace{start: t.rec.now()})
}

// TraceBatchQuery implements pgx.BatchTracer.
func (t *PgxTracer) TraceBatchQuery(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	if b, ok := ctx.Value(batchKey{}).(*batchTrace); ok {
		b.statements++
		b.failed = b.failed || data.Err != nil
	}
}

// TraceBatchEnd implements pgx.BatchTracer.
func (t *PgxTracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	if b, ok := ctx.Value(batchKey{}).(*batchTrace); ok {
		t.rec.RoundTrip(t.rec.now().Sub(b.start), b.statements, b.failed || data.Err != nil)
	}
}

// TraceAcquireStart implements pgxpool.AcquireTracer.
func (t *PgxTracer) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	return context.WithValue(ctx, acquireStartKey{}, t.rec.AcquireStarted())
}

// TraceAcquireEnd implements pgxpool.AcquireTracer. ctx is the acquire's context
// (from AcquireContext), which tells a timeout from a cancellation.
func (t *PgxTracer) TraceAcquireEnd(ctx context.Context, _ *pgxpool.Pool, data pgxpool.TraceAcquireEndData) {
	if start, ok := ctx.Value(acquireStartKey{}).(time.Time); ok {
		t.rec.AcquireFinished(start, ClassifyAcquire(ctx, data.Err))
	}
}
