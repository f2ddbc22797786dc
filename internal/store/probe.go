package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Prober answers "is the database reachable right now?" for /readyz and /health on its
// own single connection, outside the engine's pool: a saturated pool must not make the
// probe queue (and the pod look dead), nor may the probe take a pool connection from
// requests. The connection is opened on first use and reopened after a failure.
type Prober struct {
	config  *pgx.ConnConfig
	timeout time.Duration
	// token is held by the probe in flight; one channel slot serialises probes on the
	// single connection and lets a waiting probe give up at its deadline.
	token chan struct{}
	conn  *pgx.Conn // guarded by token
}

// ProbeConnections is how many connections a Prober opens: one, outside the engine's
// pool. The connection budget counts it (v1alpha1.ServerConnectionsOutsidePool).
const ProbeConnections = 1

// NewProber returns a Prober whose every Ping takes at most timeout.
func NewProber(databaseURL string, timeout time.Duration) (*Prober, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	cfg.ConnectTimeout = timeout
	// The probe runs one statement; caching its description is not worth a round trip.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	p := &Prober{config: cfg, timeout: timeout, token: make(chan struct{}, 1)}
	p.token <- struct{}{}
	return p, nil
}

// Ping reports nil when the database answered a trivial statement within the timeout,
// and an error wrapping ErrUnavailable otherwise.
func (p *Prober) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	select {
	case <-p.token:
	case <-ctx.Done():
		return fmt.Errorf("%w: probe timed out waiting for the previous probe", ErrUnavailable)
	}
	defer func() { p.token <- struct{}{} }()

	if p.conn == nil || p.conn.IsClosed() {
		conn, err := pgx.ConnectConfig(ctx, p.config)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		p.conn = conn
	}
	if err := p.conn.Ping(ctx); err != nil {
		p.closeConn()
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// Close closes the probe's connection; a Ping in flight finishes first.
func (p *Prober) Close() {
	<-p.token
	p.closeConn()
	p.token <- struct{}{}
}

func (p *Prober) closeConn() {
	if p.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = p.conn.Close(ctx) // the connection is being discarded; its close error changes nothing
	p.conn = nil
}
