package store

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/interviewapi/operator/internal/poolstats"
)

// WarmUpState says where an engine's warm-up of its Size connections is.
type WarmUpState int

// The states of a warm-up. It starts Running and ends once, Done or GaveUp.
const (
	// WarmUpRunning: fewer than Size connections were opened so far, and none failed.
	WarmUpRunning WarmUpState = iota
	// WarmUpDone: Size connections were opened.
	WarmUpDone
	// WarmUpGaveUp: a connect failed before Size were opened (the database was down
	// at start, say); the rest are opened on demand.
	WarmUpGaveUp
)

// String names the state as /health reports it.
func (s WarmUpState) String() string {
	switch s {
	case WarmUpDone:
		return "warm"
	case WarmUpGaveUp:
		return "gave_up"
	default:
		return "warming"
	}
}

// WarmUpProgress is a snapshot of an engine's warm-up, for /readyz.
type WarmUpProgress struct {
	State  WarmUpState
	Opened int   // connections opened so far, at most Size
	Size   int   // the pool's Size
	Err    error // why it gave up (WarmUpGaveUp only)
}

// Finished reports that the warm-up is over, either way.
func (p WarmUpProgress) Finished() bool { return p.State != WarmUpRunning }

// String says where the warm-up is, in the words /readyz answers with.
func (p WarmUpProgress) String() string {
	switch p.State {
	case WarmUpDone:
		return fmt.Sprintf("pool warm: %d connections opened", p.Size)
	case WarmUpGaveUp:
		return fmt.Sprintf("pool warm-up gave up after %d of %d connections: %v", p.Opened, p.Size, p.Err)
	default:
		return fmt.Sprintf("pool warming up: %d of %d connections open", p.Opened, p.Size)
	}
}

// WarmUp is the one record of whether an engine's pool is warm: it counts the
// connections the engine opens until Size were opened (Done) or one failed (GaveUp),
// and then stays as it is. Both engines feed it from the same place, the pgx connect
// tracer that Engine.ConfigureConnections installs, whoever asked for the connection
// (the warm-up, pgxpool's MinConns or a request). A warm-up that gave up leaves the
// pod's readiness to the database probe, as without a warm-up: the pool then fills on
// demand, and a pod must never stay unready for good because the database was down
// when it started. Safe for concurrent use.
type WarmUp struct {
	mu       sync.Mutex
	progress WarmUpProgress
	done     chan struct{} // closed when the warm-up finishes
}

// NewWarmUp returns the warm-up of a pool of size connections; a pool of none is warm.
func NewWarmUp(size int) *WarmUp {
	w := &WarmUp{progress: WarmUpProgress{Size: max(0, size)}, done: make(chan struct{})}
	if w.progress.Size == 0 {
		w.finish(WarmUpDone, nil)
	}
	return w
}

// Opened records one connection opened.
func (w *WarmUp) Opened() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.progress.Finished() {
		return
	}
	w.progress.Opened++
	if w.progress.Opened >= w.progress.Size {
		w.finish(WarmUpDone, nil)
	}
}

// GiveUp ends a running warm-up because err stopped it; once finished it changes
// nothing.
func (w *WarmUp) GiveUp(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.progress.Finished() {
		w.finish(WarmUpGaveUp, err)
	}
}

// finish ends the warm-up; w.mu is held (or w not shared yet).
func (w *WarmUp) finish(state WarmUpState, err error) {
	w.progress.State, w.progress.Err = state, err
	close(w.done)
}

// Progress returns where the warm-up is.
func (w *WarmUp) Progress() WarmUpProgress {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.progress
}

// Done is closed when the warm-up finishes, either way.
func (w *WarmUp) Done() <-chan struct{} { return w.done }

// warmUpTracer is the pool statistics' tracer plus a connect tracer that feeds a
// WarmUp. The embedded pointer keeps every interface of poolstats.PgxTracer (query,
// batch and pgxpool's acquire tracer).
type warmUpTracer struct {
	*poolstats.PgxTracer
	warm *WarmUp
}

var _ pgx.ConnectTracer = warmUpTracer{}

// TraceConnectStart implements pgx.ConnectTracer.
func (t warmUpTracer) TraceConnectStart(ctx context.Context, _ pgx.TraceConnectStartData) context.Context {
	return ctx
}

// TraceConnectEnd implements pgx.ConnectTracer.
func (t warmUpTracer) TraceConnectEnd(_ context.Context, data pgx.TraceConnectEndData) {
	if data.Err != nil {
		t.warm.GiveUp(fmt.Errorf("connect: %w", data.Err))
		return
	}
	t.warm.Opened()
}
