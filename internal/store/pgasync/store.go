// Package pgasync is the new ("async") engine: a native pgxpool. A connection is held
// only for one statement or one pipelined batch (pgx.Batch), never across non-database
// work such as the question generator, and statements that do not depend on each other
// travel together in one batch. Writes return only once committed.
package pgasync

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/store"
)

// healthCheckPeriod is how often pgxpool looks for idle connections past their
// lifetime; busy ones are recycled when they are returned.
const healthCheckPeriod = 15 * time.Second

// Store is the async engine. Create it with Open.
type Store struct {
	store.Engine // list queries on queryEach, CreateSession on insertSession
	pool         *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Open returns the engine for databaseURL. It does not wait for the database, so the
// server starts while the database is down and recovers when it returns: the Size
// connections the pool keeps open are opened in the background (and reopened by the
// pool's health check after an outage), overflow ones on demand; WarmUp says when the
// Size were opened.
func Open(databaseURL string, settings store.PoolSettings, rec *poolstats.Recorder) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	s := &Store{}
	s.Engine = store.NewEngine(settings, rec, s.queryEach, s.insertSession)
	cfg.MaxConns = int32(settings.MaxConns())
	// Size connections are opened at once rather than by the first requests: a new pod
	// (a canary) then serves its first requests without waiting for connections to be
	// set up, and its acquire-wait percentiles measure the pool, not its warm-up.
	cfg.MinConns = int32(settings.Size)
	cfg.MaxConnLifetime = settings.Recycle // 0: never recycled
	cfg.MaxConnLifetimeJitter = settings.RecycleJitter()
	// Overflow connections are closed by the trimmer once the load has not needed them
	// for a while (store.OverflowTrimmer), the same rule as the sync engine's; pgxpool's
	// own idle reaper, which also closes the Size connections the seed keeps, is off.
	cfg.MaxConnIdleTime = time.Duration(math.MaxInt64)
	cfg.HealthCheckPeriod = healthCheckPeriod
	s.ConfigureConnections(cfg.ConnConfig) // the tracer is also pgxpool's acquire tracer
	cfg.BeforeClose = s.beforeClose
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	s.pool = pool
	rec.SetState(s.poolState)

	// pgxpool opens the MinConns itself, all at once, in the background after
	// NewWithConfig returned (its createIdleResources), and again from its health check
	// after an outage: no warm-up of the engine's own. Every connect reaches the warm-up
	// record through the connect tracer, so /readyz waits for these Size connects, or
	// for the first that fails (store.WarmUp). Explicit acquires instead would race
	// pgxpool's own MinConns connects and open up to twice Size.
	s.StartUpkeep(nil, s.idleAndOpen, s.closeIdle)
	return s, nil
}

func (s *Store) idleAndOpen() (idle, open int) {
	st := s.pool.Stat()
	return int(st.IdleConns()), int(st.TotalConns())
}

// closeIdle closes n idle connections.
func (s *Store) closeIdle(n int) {
	for i, conn := range s.pool.AcquireAllIdle(context.Background()) {
		if i < n {
			s.Closed.Idle.Add(1)
			go closeQuietly(conn.Hijack())
			continue
		}
		conn.Release()
	}
}

// Mode implements store.Store.
func (s *Store) Mode() store.Mode { return store.ModeAsync }

// BeginRequest implements store.Store: the async engine holds nothing for a request.
func (s *Store) BeginRequest(ctx context.Context) (context.Context, func(), error) {
	return ctx, func() {}, nil
}

// Close implements store.Store.
func (s *Store) Close() {
	s.StopUpkeep()
	s.pool.Close()
}

// beforeClose counts the connections pgxpool discards because they are dead or in a bad
// state; lifetime closes are counted by pgxpool itself and overflow closes by closeIdle.
func (s *Store) beforeClose(conn *pgx.Conn) {
	if conn.IsClosed() || conn.PgConn().IsBusy() || conn.PgConn().TxStatus() != 'I' {
		s.Closed.Broken.Add(1)
	}
}

func (s *Store) poolState() poolstats.PoolState {
	st := s.pool.Stat()
	return poolstats.PoolState{
		Acquired:     int(st.AcquiredConns()),
		Idle:         int(st.IdleConns()),
		Constructing: int(st.ConstructingConns()),
		Closed: poolstats.ClosedCounts{
			Lifetime: uint64(st.MaxLifetimeDestroyCount()),
			Idle:     s.Closed.Idle.Load() + uint64(st.MaxIdleDestroyCount()),
			Broken:   s.Closed.Broken.Load(),
		},
	}
}

// acquire checks a connection out for one statement or batch; the wait is measured by
// the pool's acquire tracer.
func (s *Store) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	actx, cancel := poolstats.AcquireContext(ctx, s.Settings.AcquireTimeout)
	defer cancel()
	conn, err := s.pool.Acquire(actx)
	if result := poolstats.ClassifyAcquire(actx, err); result != poolstats.Success {
		return nil, store.AcquireError(ctx, result, s.Settings.AcquireTimeout, err)
	}
	return conn, nil
}

func closeQuietly(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = conn.Close(ctx) // the connection is surplus; failing to say goodbye changes nothing
}

// run runs fn on a connection held for fn alone and classifies its error.
func (s *Store) run(ctx context.Context, fn func(*pgxpool.Conn) error) error {
	conn, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	err = fn(conn)
	closed := err != nil && conn.Conn().IsClosed()
	conn.Release()
	return store.Classify(err, closed)
}
