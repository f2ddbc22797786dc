package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// ConfigureConnections sets what both engines set on each of their connections: an
// attempt to connect gives up within the pool timeout (a request never waits longer for
// a new connection than for a free one), every statement, batch and (with pgxpool)
// acquire is traced into the pool statistics, and every connect into the engine's
// warm-up (WarmUp).
func (e *Engine) ConfigureConnections(cfg *pgx.ConnConfig) {
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > e.Settings.AcquireTimeout {
		cfg.ConnectTimeout = e.Settings.AcquireTimeout
	}
	cfg.Tracer = warmUpTracer{PgxTracer: e.Rec.PgxTracer(), warm: e.warm}
}

// StartPoolUpkeep runs an engine's pool upkeep in the background: warmUp once (nil for
// none), then the overflow trimmer on sample and closeIdle (RunOverflowTrimmer). stop
// ends it and waits until it has.
func StartPoolUpkeep(settings PoolSettings, warmUp func(context.Context), sample func() (idle, open int), closeIdle func(n int)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if warmUp != nil {
			warmUp(ctx)
		}
		RunOverflowTrimmer(ctx, settings, sample, closeIdle)
	}()
	return func() {
		cancel()
		<-done
	}
}

// DefaultOverflowIdle is how long the load must go without needing an overflow
// connection before it is closed.
const DefaultOverflowIdle = 10 * time.Second

// overflowSamples is how many pool samples span one OverflowIdle window.
const overflowSamples = 5

// OverflowTrimmer decides when overflow connections are closed, the same way for both
// engines: a pool that kept k connections idle at every sample of a whole window did not
// need them, so up to k connections beyond Size are closed. Closing a connection the
// moment it is returned while Size are idle (SQLAlchemy's QueuePool, database/sql's
// MaxIdleConns) makes a pool under fluctuating load open and close connections many
// times a second; a window keeps them while the load comes and goes.
type OverflowTrimmer struct {
	size    int
	samples [overflowSamples]int
	n       int // samples taken in the current window
}

// NewOverflowTrimmer returns a trimmer for a pool that keeps size connections.
func NewOverflowTrimmer(size int) *OverflowTrimmer { return &OverflowTrimmer{size: size} }

// Observe records one sample of the pool (idle and open connections) and returns how
// many idle connections to close now.
func (t *OverflowTrimmer) Observe(idle, open int) int {
	t.samples[t.n] = idle
	t.n++
	if t.n < len(t.samples) {
		return 0
	}
	unneeded := t.samples[0]
	for _, s := range t.samples[1:] {
		unneeded = min(unneeded, s)
	}
	// The last sample opens the next window, so that windows overlap by one sample.
	t.samples[0], t.n = idle, 1
	return max(0, min(unneeded, open-t.size))
}

// RunOverflowTrimmer samples a pool every OverflowIdle/4 until ctx ends and calls close
// with the number of idle connections to close whenever the trimmer says so.
func RunOverflowTrimmer(ctx context.Context, settings PoolSettings, sample func() (idle, open int), closeIdle func(n int)) {
	if settings.MaxOverflow == 0 {
		return // nothing can ever be beyond Size
	}
	t := NewOverflowTrimmer(settings.Size)
	tick := time.NewTicker(settings.overflowIdle() / (overflowSamples - 1))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if n := t.Observe(sample()); n > 0 {
				closeIdle(n)
			}
		}
	}
}

func (p PoolSettings) overflowIdle() time.Duration {
	if p.OverflowIdle > 0 {
		return p.OverflowIdle
	}
	return DefaultOverflowIdle
}
