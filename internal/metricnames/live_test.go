package metricnames_test

import (
	"context"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/interviewapi/operator/internal/httpapi"
	"github.com/interviewapi/operator/internal/metricnames"
	"github.com/interviewapi/operator/internal/poolhealth"
	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/store"
)

// clock is a settable time safe for the recorder's background sampler.
type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time         { return time.Unix(0, c.ns.Load()) }
func (c *clock) add(d time.Duration)    { c.ns.Add(int64(d)) }
func newClock(t time.Time) *clock       { c := &clock{}; c.ns.Store(t.UnixNano()); return c }
func near(a, b float64) bool            { return math.Abs(a-b) < 1e-9 }
func deref(p *float64) float64          { return *p }
func has(p *float64, want float64) bool { return p != nil && near(*p, want) }
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// serving is the lifecycle of a server that is up: migrated, warm, not draining.
type serving struct{}

func (serving) SchemaReady() error { return nil }
func (serving) Draining() bool     { return false }
func (serving) PoolWarmUp() store.WarmUpProgress {
	return store.WarmUpProgress{State: store.WarmUpDone, Opened: 4, Size: 4}
}

// TestOperatorParsesLiveServerMetrics feeds what the server's own registration exports
// (a real poolstats.Recorder and the HTTP metrics of the real router, served by
// /metrics) to the operator's parser (poolhealth.ParseText) and checks every figure
// the canary analysis reads. A name or label changed on one side only fails here, not
// first in a cluster.
func TestOperatorParsesLiveServerMetrics(t *testing.T) {
	clk := newClock(time.Unix(1_800_000_000, 0))
	rec := poolstats.New(poolstats.Settings{Mode: metricnames.ModeAsync, PoolSize: 4, MaxOverflow: 2, AcquireTimeout: time.Second},
		poolstats.WithClock(clk.now))
	rec.SetState(func() poolstats.PoolState {
		return poolstats.PoolState{Acquired: 3, Idle: 2, Constructing: 1, Closed: poolstats.ClosedCounts{Lifetime: 1}}
	})
	reg := prometheus.NewRegistry()
	if err := rec.Register(reg); err != nil {
		t.Fatal(err)
	}
	router, err := httpapi.NewRouter(httpapi.Deps{Registry: reg, Lifecycle: serving{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { rec.Run(ctx) })

	before, err := poolhealth.ParseText(strings.NewReader(scrape(t, router)), clk.now())
	if err != nil {
		t.Fatalf("ParseText (before): %v", err)
	}

	// Two acquires that waited 2ms and 30ms, one that timed out after 1s, one still
	// waiting; a request that matched no route.
	for _, a := range []struct {
		wait   time.Duration
		result poolstats.Result
	}{{2 * time.Millisecond, poolstats.Success}, {30 * time.Millisecond, poolstats.Success}, {time.Second, poolstats.Timeout}} {
		start := rec.AcquireStarted()
		clk.add(a.wait)
		rec.AcquireFinished(start, a.result)
	}
	rec.AcquireStarted()
	clk.add(2*time.Second - 1032*time.Millisecond) // 2s after the first scrape
	nf := httptest.NewRecorder()
	router.ServeHTTP(nf, httptest.NewRequest(http.MethodGet, "/nope", nil))
	if nf.Code != http.StatusNotFound {
		t.Fatalf("GET /nope: %d", nf.Code)
	}
	cancel()
	wg.Wait() // the sampler advances the acquired-connections integral as it stops

	body := scrape(t, router)
	for _, name := range metricnames.Server() {
		if !strings.Contains(body, "# TYPE "+name+" ") {
			t.Errorf("the server does not export %s", name)
		}
	}
	after, err := poolhealth.ParseText(strings.NewReader(body), clk.now())
	if err != nil {
		t.Fatalf("ParseText: %v", err)
	}
	if after.Mode != metricnames.ModeAsync {
		t.Errorf("Mode = %q, want async", after.Mode)
	}
	if !has(after.MaxConnections, 6) || !has(after.PendingAcquires, 1) {
		t.Errorf("MaxConnections %v, PendingAcquires %v; want 6 and 1", after.MaxConnections, after.PendingAcquires)
	}
	wantConns := map[string]float64{metricnames.StateAcquired: 3, metricnames.StateIdle: 2, metricnames.StateConstructing: 1}
	for state, n := range wantConns {
		if after.Connections[state] != n {
			t.Errorf("Connections[%s] = %v, want %v (all: %v)", state, after.Connections[state], n, after.Connections)
		}
	}
	wantAcquires := map[string]float64{metricnames.ResultSuccess: 2, metricnames.ResultTimeout: 1, metricnames.ResultCanceled: 0, metricnames.ResultError: 0}
	for result, n := range wantAcquires {
		if v, ok := after.Acquires[result]; !ok || v != n {
			t.Errorf("Acquires[%s] = %v (present %v), want %v", result, v, ok, n)
		}
	}
	if h := after.AcquireWait; h == nil || h.Count != 3 || !near(h.Sum, 1.032) {
		t.Errorf("AcquireWait = %+v, want 3 waits summing to 1.032s", h)
	}
	// Acquired connections × seconds: 3 acquired for the 2s between the scrapes.
	if after.AcquiredSeconds == nil || !near(deref(after.AcquiredSeconds)-deref(before.AcquiredSeconds), 6) {
		t.Errorf("AcquiredSeconds %v → %v, want an increase of 6", before.AcquiredSeconds, after.AcquiredSeconds)
	}
	// The first /metrics and /nope, both counted by the HTTP middleware.
	if r := after.Requests; r == nil || r.Total != 2 || r.ServerErrors != 0 {
		t.Errorf("Requests = %+v, want 2 requests, no 5xx", r)
	}

	// What the analysis judges, from the same two scrapes.
	d, err := poolhealth.Diff(before, after)
	if err != nil {
		t.Fatal(err)
	}
	m := d.Measures()
	if !m.Acquires.Known || m.Acquires.V != 3 {
		t.Errorf("measured acquires %+v, want 3", m.Acquires)
	}
	if !m.TimeoutRatio.Known || !near(m.TimeoutRatio.V, 1.0/3) {
		t.Errorf("timeout ratio %+v, want 1/3", m.TimeoutRatio)
	}
	if !m.Utilization.Known || !near(m.Utilization.V, 0.5) {
		t.Errorf("utilisation %+v, want 6 connection·s / (2s × 6 connections) = 0.5", m.Utilization)
	}
	if m.Modes[metricnames.ModeAsync] != 1 {
		t.Errorf("modes %v, want one async pod", m.Modes)
	}
}
