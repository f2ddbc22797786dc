package app

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// drainGrace bounds the drain between SIGTERM and Shutdown. A keep-alive client that
// sends a request within it is answered with `Connection: close` and reconnects to a pod
// that stays; only a connection idle for longer is closed by Shutdown, where a request
// the client sends at that instant can still meet the close. Clients under load send far
// more often (BenchmarkShutdownUnderLoad's: every 300 ms per connection), and a
// Prometheus scrape's connection, idle for its interval, would hold every drain to its
// whole bound: 1 s keeps that cost small next to the pod's preStop delay. The pod's
// whole stop (preStop delay + drainGrace + SHUTDOWN_TIMEOUT) fits its termination grace
// period (TestShutdownFitsTerminationGracePeriod).
const drainGrace = time.Second

// connTracker follows the server's connections through http.Server.ConnState, to know
// when every connection open at SIGTERM, and every one opened since, has closed.
type connTracker struct {
	mu   sync.Mutex
	open map[net.Conn]http.ConnState
	// Set by startDrain: closed is counted from then on, and empty is closed when no
	// connection remains open.
	draining bool
	closed   int
	empty    chan struct{}
}

func newConnTracker() *connTracker {
	return &connTracker{open: make(map[net.Conn]http.ConnState), empty: make(chan struct{})}
}

// observe is the server's ConnState hook. A hijacked connection is no longer the
// server's (the router hijacks none), so it counts as gone.
func (t *connTracker) observe(c net.Conn, state http.ConnState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch state {
	case http.StateNew, http.StateActive, http.StateIdle:
		t.open[c] = state
	case http.StateHijacked, http.StateClosed:
		if _, ok := t.open[c]; !ok {
			return
		}
		delete(t.open, c)
		if t.draining {
			t.closed++
			t.signalIfEmpty()
		}
	}
}

// startDrain starts counting closes and returns how many connections are open.
func (t *connTracker) startDrain() (open int, empty <-chan struct{}) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.draining = true
	t.signalIfEmpty()
	return len(t.open), t.empty
}

func (t *connTracker) signalIfEmpty() {
	if len(t.open) == 0 {
		select {
		case <-t.empty:
		default:
			close(t.empty)
		}
	}
}

// left returns how many connections closed since startDrain and how many remain open,
// by state.
func (t *connTracker) left() (closed int, open map[http.ConnState]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	open = make(map[http.ConnState]int)
	for _, s := range t.open {
		open[s]++
	}
	return t.closed, open
}

// Why a drain ended.
const (
	drainNoneOpen  = "no connection open"
	drainAllClosed = "every connection closed"
	drainGraceOver = "grace ended"
)

// drainReport is what a drain did: the figures of its log lines.
type drainReport struct {
	Open   int // connections open when it began
	Closed int // connections closed during it (after a `Connection: close` answer, or by the client)
	Took   time.Duration
	Reason string
	Left   map[http.ConnState]int // still open at its end, by state, for Shutdown
}

// drain waits, while the server answers every request with `Connection: close`, until no
// connection remains open or grace has passed, whichever is first, and logs both ends.
// The listener stays open meanwhile: a connection a lagging kube-proxy still sends is
// served (and told to close) too.
func drain(t *connTracker, clk clock.Clock, grace time.Duration, log *slog.Logger) drainReport {
	start := clk.Now()
	open, empty := t.startDrain()
	log.Info("draining: answering with Connection: close until every connection has closed",
		"open", open, "grace", grace)
	r := drainReport{Open: open, Reason: drainNoneOpen}
	if open > 0 {
		r.Reason = drainAllClosed
		timer := clk.NewTimer(grace)
		select {
		case <-empty:
			timer.Stop()
		case <-timer.C():
			r.Reason = drainGraceOver
		}
	}
	r.Took = clk.Since(start)
	r.Closed, r.Left = t.left()
	// Shutdown closes the idle ones at once and waits for the active ones (and for
	// new ones, which have not sent a request yet) up to SHUTDOWN_TIMEOUT.
	log.Info("drained: "+r.Reason, "open_at_start", r.Open, "closed", r.Closed, "took", r.Took,
		"idle_closed_at_shutdown", r.Left[http.StateIdle],
		"active_at_shutdown", r.Left[http.StateActive], "new_at_shutdown", r.Left[http.StateNew])
	return r
}
