// Package store is the persistence boundary of the interview API: the Store interface
// the service layer uses, whichever database engine is active, with its domain types and
// sentinel errors. The engines live in pgsync (legacy: database/sql, one connection per
// request) and pgasync (pgxpool, a connection per statement or pipelined batch); both
// run the statements in queries.go, so that the modes differ only in how they hold
// connections and batch statements.
package store

import (
	"context"
	"time"
)

// Mode names a database engine.
type Mode string

// The two engines.
const (
	ModeSync  Mode = "sync"
	ModeAsync Mode = "async"
)

// Store is what the service layer needs from the database. Every method is safe for
// concurrent use. Errors are ErrNotFound, ErrPoolTimeout, ErrUnavailable (wrapping the
// cause), a context error when the caller gave up, or an unexpected database error.
type Store interface {
	// Mode reports the engine.
	Mode() Mode
	// BeginRequest opens the scope of one API operation (the service layer opens it,
	// service.operation); release ends it and must be called exactly once. The sync
	// engine checks one connection out on the scope's first statement and holds it
	// until release, like the legacy session-per-request design (an ORM session that
	// connects lazily); the async engine's scope is empty.
	// The error is reserved for engines that must acquire eagerly; neither does today.
	BeginRequest(ctx context.Context) (scoped context.Context, release func(), err error)

	// SkillAliases returns the taxonomy: every alias with the skill it names.
	SkillAliases(ctx context.Context) ([]SkillAlias, error)
	// BankQuestions picks up to q.PerSkill questions for each of q.SkillIDs.
	BankQuestions(ctx context.Context, q BankQuery) ([]Question, error)
	// Bank loads the whole question bank, to pick from in memory (Bank.Pick picks what
	// BankQuestions does).
	Bank(ctx context.Context) (*Bank, error)
	// SchemaVersion is the migration version of the schema: the taxonomy and the bank
	// change only with it.
	SchemaVersion(ctx context.Context) (int64, error)
	// CreateSession stores a session with its questions; it returns once committed.
	CreateSession(ctx context.Context, s Session) error
	// SessionQuestion returns one question of a session, or an error wrapping
	// ErrNotFound that says whether the session or the question is unknown.
	SessionQuestion(ctx context.Context, sessionID, questionID string) (SessionQuestion, error)
	// CreateAnalysis stores an analysed answer and sets a.CreatedAt; it returns once
	// committed.
	CreateAnalysis(ctx context.Context, a *AnswerAnalysis) error
	// Session returns a session with its questions and analysed answers.
	Session(ctx context.Context, id string) (SessionDetail, error)
	// Counts returns the size of the question bank and of the session store.
	Counts(ctx context.Context) (Counts, error)

	// WarmUp reports whether the engine has opened its Size connections since it was
	// opened, or gave up on a failed connect (WarmUp says why both count as finished);
	// /readyz answers 503 while it runs.
	WarmUp() WarmUpProgress
	// WarmedUp is closed when the warm-up finishes, either way.
	WarmedUp() <-chan struct{}

	// Close closes every connection; in-flight calls must have returned.
	Close()
}

// PoolSettings are the seed's pool settings, honoured by both engines.
type PoolSettings struct {
	Size           int           // connections kept open
	MaxOverflow    int           // extra connections under load, closed when no longer needed
	AcquireTimeout time.Duration // wait for a connection before ErrPoolTimeout
	Recycle        time.Duration // maximum connection lifetime; 0: never recycled
	// OverflowIdle is how long the load must go without needing an overflow connection
	// before it is closed (see OverflowTrimmer); 0 means DefaultOverflowIdle.
	OverflowIdle time.Duration
}

// MaxConns is the total cap: Size + MaxOverflow.
func (p PoolSettings) MaxConns() int { return p.Size + p.MaxOverflow }

// RecycleJitter is added at random (up to this much) to each connection's lifetime, so
// that connections opened together, at start or after an outage, are not all replaced
// at the same moment.
func (p PoolSettings) RecycleJitter() time.Duration { return p.Recycle / 10 }
