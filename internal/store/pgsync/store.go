// Package pgsync is the legacy ("sync") engine, kept as the rollback target: database/sql
// over pgx's stdlib driver, written the way the original session-per-request design
// works. A request checks one connection out on its first statement and holds it until
// the request ends, across any non-database work in between; statements run one at a
// time. It is written as well as that design allows: pgx prepares each statement once
// per connection, transactions are used only where rows must commit together, and no
// call waits for anything but the database.
package pgsync

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"golang.org/x/sync/errgroup"

	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/store"
)

// Keys in a connection's pgconn CustomData.
const (
	expiresKey  = "interviewapi.expires"   // time.Time: end of the jittered lifetime
	lastUsedKey = "interviewapi.last_used" // time.Time: when the connection was last returned
)

// pingAfterIdle: a connection idle longer than this is pinged before it is handed out,
// like pgxpool does, so that a request does not find out the hard way that the server
// restarted.
const pingAfterIdle = time.Second

// Store is the sync engine. Create it with Open.
type Store struct {
	store.Engine // list queries on queryEach, CreateSession on insertSession
	db           *sql.DB
	constructing atomic.Int64
	warming      atomic.Int64 // connections opened by warmUp and not yet returned
	// warmUpAtOnce is how many connections warmUp opens at once: warmUpParallel, or
	// another bound in the warm-up benchmark.
	warmUpAtOnce int
}

var _ store.Store = (*Store)(nil)

// warmUpParallel is how many connections the warm-up opens at once. Opening one is a
// few round trips and a backend process that PostgreSQL forks, mostly waiting: 4 at
// once warmed a pool of 100 2.4 to 2.8 times faster than one at a time, while 8 and 16
// were slower on two cores (docs/benchmarks.md, "Pool warm-up"). A higher bound would
// only make the pods of a rollout, which start together, flood the database with
// connects.
const warmUpParallel = 4

// Open returns the engine for databaseURL. It does not wait for the database: the Size
// connections the pool keeps open are opened in the background, further ones on
// demand, so the server starts while the database is down and recovers when it returns.
func Open(databaseURL string, settings store.PoolSettings, rec *poolstats.Recorder) (*Store, error) {
	return open(databaseURL, settings, rec, warmUpParallel)
}

// open is Open with the warm-up opening parallel connections at once.
func open(databaseURL string, settings store.PoolSettings, rec *poolstats.Recorder, parallel int) (*Store, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	s := &Store{warmUpAtOnce: parallel}
	s.Engine = store.NewEngine(settings, rec, s.queryEach, s.insertSession)
	s.ConfigureConnections(cfg)
	connector := stdlib.GetConnector(*cfg,
		stdlib.OptionAfterConnect(s.afterConnect),
		// The engine pings idle connections itself in resetSession, where it can count
		// the ones found dead.
		stdlib.OptionShouldPing(func(context.Context, stdlib.ShouldPingParams) bool { return false }),
		stdlib.OptionResetSession(s.resetSession),
	)
	s.db = sql.OpenDB(&countingConnector{Connector: connector, constructing: &s.constructing})
	s.db.SetMaxOpenConns(settings.MaxConns())
	// Returned connections stay idle; overflow ones are closed by the trimmer once the
	// load has not needed them for a while (store.OverflowTrimmer).
	s.db.SetMaxIdleConns(settings.MaxConns())
	if settings.Recycle > 0 {
		// Lifetimes are enforced with jitter in resetSession; this backstop closes idle
		// connections that outlived even the longest jittered lifetime.
		s.db.SetConnMaxLifetime(settings.Recycle + settings.RecycleJitter())
	}
	rec.SetState(s.poolState)

	s.StartUpkeep(s.warmUp, s.idleAndOpen, s.closeIdle)
	return s, nil
}

// warmUp opens the pool's Size connections before any request needs them, as the
// async engine does through pgxpool's MinConns: otherwise a new pod's first requests
// wait for connection set-up, and a rollout analysis of that pod reads the set-up as
// pool contention; /readyz keeps the pod out of its Service until this is over
// (store.WarmUp). The connections are checked out warmUpParallel at a time and all held
// until the last is open (database/sql opens a new one only for a concurrent checkout),
// then returned idle. Each checkout is bounded by the acquire timeout, and they bypass
// the measured checkout, so they are not acquires. The first failure, such as the
// database being down at start, stops the warm-up and leaves the rest to be opened on
// demand.
func (s *Store) warmUp(ctx context.Context) {
	var (
		mu    sync.Mutex
		conns = make([]*sql.Conn, 0, s.Settings.Size)
	)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
			s.warming.Add(-1)
		}
	}()
	g, gctx := errgroup.WithContext(ctx) // the first failure cancels the checkouts in flight
	g.SetLimit(max(1, s.warmUpAtOnce))
	for range s.Settings.Size {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			connectCtx, cancel := context.WithTimeout(gctx, s.Settings.AcquireTimeout)
			defer cancel()
			c, err := s.db.Conn(connectCtx)
			if err != nil {
				return err
			}
			// Checked out only to make database/sql open it: for the pool's gauges it
			// is an idle connection, not one a request holds.
			s.warming.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		// A failed connect has already ended the warm-up through the connect tracer;
		// this covers a checkout that failed without one (timed out waiting, Close).
		s.GiveUpWarmUp(fmt.Errorf("warm-up checkout: %w", err))
	}
}

func (s *Store) idleAndOpen() (idle, open int) {
	st := s.db.Stats()
	return st.Idle, st.OpenConnections
}

// closeIdle closes n idle connections: database/sql closes the idle connections beyond
// a lowered MaxIdleConns at once (and counts them as MaxIdleClosed); the limit is then
// restored.
func (s *Store) closeIdle(n int) {
	s.db.SetMaxIdleConns(max(0, s.db.Stats().Idle-n))
	s.db.SetMaxIdleConns(s.Settings.MaxConns())
}

// Mode implements store.Store.
func (s *Store) Mode() store.Mode { return store.ModeSync }

// Close implements store.Store.
func (s *Store) Close() {
	s.StopUpkeep()
	_ = s.db.Close()
}

// afterConnect stamps a new connection with the end of its jittered lifetime.
func (s *Store) afterConnect(_ context.Context, conn *pgx.Conn) error {
	if s.Settings.Recycle > 0 {
		jitter := time.Duration(0)
		if j := s.Settings.RecycleJitter(); j > 0 {
			jitter = rand.N(j)
		}
		conn.PgConn().CustomData()[expiresKey] = time.Now().Add(s.Settings.Recycle + jitter)
	}
	return nil
}

// resetSession runs whenever database/sql hands out a connection that was used before;
// driver.ErrBadConn makes database/sql close it and try another.
func (s *Store) resetSession(ctx context.Context, conn *pgx.Conn) error {
	data := conn.PgConn().CustomData()
	if expires, ok := data[expiresKey].(time.Time); ok && time.Now().After(expires) {
		s.Closed.Lifetime.Add(1)
		return driver.ErrBadConn
	}
	if lastUsed, ok := data[lastUsedKey].(time.Time); ok && time.Since(lastUsed) > pingAfterIdle {
		if err := conn.PgConn().Ping(ctx); err != nil {
			s.Closed.Broken.Add(1)
			return driver.ErrBadConn
		}
	}
	return nil
}

// poolState reads the pool for the metrics.
func (s *Store) poolState() poolstats.PoolState {
	st := s.db.Stats()
	constructing := int(s.constructing.Load())
	warming := int(s.warming.Load())
	return poolstats.PoolState{
		// database/sql counts a connection being opened as open and in use, and so are
		// the ones warmUp holds for a moment.
		Acquired:     max(0, st.InUse-constructing-warming),
		Idle:         st.Idle + warming,
		Constructing: constructing,
		Closed: poolstats.ClosedCounts{
			Lifetime: s.Closed.Lifetime.Load() + uint64(st.MaxLifetimeClosed),
			Idle:     uint64(st.MaxIdleClosed + st.MaxIdleTimeClosed),
			Broken:   s.Closed.Broken.Load(),
		},
	}
}

// acquire checks a connection out of the pool, measuring the wait.
func (s *Store) acquire(ctx context.Context) (*sql.Conn, error) {
	start := s.Rec.AcquireStarted()
	actx, cancel := poolstats.AcquireContext(ctx, s.Settings.AcquireTimeout)
	conn, err := s.db.Conn(actx)
	result := poolstats.ClassifyAcquire(actx, err)
	cancel()
	s.Rec.AcquireFinished(start, result)
	if result != poolstats.Success {
		return nil, store.AcquireError(ctx, result, s.Settings.AcquireTimeout, err)
	}
	return conn, nil
}

// release returns a connection to the pool, or discards it when it is closed or left in
// a transaction, which database/sql would only find out on its next checkout.
func (s *Store) release(conn *sql.Conn) {
	err := conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		if pc.IsClosed() || pc.PgConn().TxStatus() != 'I' {
			s.Closed.Broken.Add(1)
			return driver.ErrBadConn // database/sql closes it
		}
		pc.PgConn().CustomData()[lastUsedKey] = time.Now()
		return nil
	})
	if errors.Is(err, driver.ErrBadConn) {
		return
	}
	_ = conn.Close() // returns the connection to the pool; it cannot fail for a live one
}

// connClosed reports whether conn's underlying connection is closed.
func connClosed(conn *sql.Conn) bool {
	closed := true
	_ = conn.Raw(func(dc any) error {
		closed = dc.(*stdlib.Conn).Conn().IsClosed()
		return nil
	})
	return closed
}

// countingConnector counts connections being opened (the "constructing" state, which
// database/sql does not report).
type countingConnector struct {
	driver.Connector
	constructing *atomic.Int64
}

func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c.constructing.Add(1)
	defer c.constructing.Add(-1)
	return c.Connector.Connect(ctx)
}
