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
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

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
}

var _ store.Store = (*Store)(nil)

// Open returns the engine for databaseURL. It does not wait for the database: the Size
// connections the pool keeps open are opened in the background, further ones on
// demand, so the server starts while the database is down and recovers when it returns.
func Open(databaseURL string, settings store.PoolSettings, rec *poolstats.Recorder) (*Store, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	store.ConfigureConnections(cfg, settings, rec)
	s := &Store{}
	s.Engine = store.NewEngine(settings, rec, s.queryEach, s.insertSession)
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
// pool contention. The connections are checked out together (database/sql opens a new
// one only for a concurrent checkout) and returned idle. They bypass the measured
// checkout, so they are not acquires. A failure, such as the database being down at
// start, leaves the rest to be opened on demand.
func (s *Store) warmUp(ctx context.Context) {
	conns := make([]*sql.Conn, 0, s.Settings.Size)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
			s.warming.Add(-1)
		}
	}()
	for range s.Settings.Size {
		connectCtx, cancel := context.WithTimeout(ctx, s.Settings.AcquireTimeout)
		c, err := s.db.Conn(connectCtx)
		cancel()
		if err != nil {
			return
		}
		// Checked out only to make database/sql open it: for the pool's gauges it is
		// an idle connection, not one a request holds.
		s.warming.Add(1)
		conns = append(conns, c)
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
