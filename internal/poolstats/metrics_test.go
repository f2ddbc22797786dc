package poolstats

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetricsExposeDesignNames(t *testing.T) {
	clock := &fakeClock{t: time.Unix(3_000_000, 0)}
	r := New(Settings{Mode: "sync", PoolSize: 4, MaxOverflow: 6, AcquireTimeout: time.Second}, WithClock(clock.now))
	r.SetState(func() PoolState {
		return PoolState{Acquired: 2, Idle: 3, Constructing: 1, Closed: ClosedCounts{Lifetime: 5, Idle: 6, Broken: 7}}
	})
	reg := prometheus.NewPedanticRegistry()
	if err := r.Register(reg); err != nil {
		t.Fatal(err)
	}
	start := r.AcquireStarted()
	clock.t = clock.t.Add(20 * time.Millisecond)
	r.AcquireFinished(start, Success)
	r.AcquireStarted() // still waiting
	r.sample()
	clock.t = clock.t.Add(2 * time.Second)
	r.sample() // 2 acquired × (20 ms + 2 s)

	want := `
# HELP interviewapi_db_mode Database engine of this server: 1 for the active mode (sync or async), 0 for the other.
# TYPE interviewapi_db_mode gauge
interviewapi_db_mode{mode="async"} 0
interviewapi_db_mode{mode="sync"} 1
# HELP interviewapi_db_pool_max_connections Total cap of the pool: ASYNC_DATABASE_POOL_SIZE + ASYNC_DATABASE_MAX_OVERFLOW.
# TYPE interviewapi_db_pool_max_connections gauge
interviewapi_db_pool_max_connections 10
# HELP interviewapi_db_pool_pending_acquires Requests waiting for a database connection right now.
# TYPE interviewapi_db_pool_pending_acquires gauge
interviewapi_db_pool_pending_acquires 1
# HELP interviewapi_db_pool_connections Open connections of the pool by state: acquired (checked out), idle, constructing (being opened).
# TYPE interviewapi_db_pool_connections gauge
interviewapi_db_pool_connections{state="acquired"} 2
interviewapi_db_pool_connections{state="constructing"} 1
interviewapi_db_pool_connections{state="idle"} 3
# HELP interviewapi_db_pool_connections_closed_total Connections closed by reason: lifetime (recycled), idle (overflow no longer needed), broken (found dead).
# TYPE interviewapi_db_pool_connections_closed_total counter
interviewapi_db_pool_connections_closed_total{reason="broken"} 7
interviewapi_db_pool_connections_closed_total{reason="idle"} 6
interviewapi_db_pool_connections_closed_total{reason="lifetime"} 5
# HELP interviewapi_db_pool_acquires_total Connection acquires by result: success, timeout (pool timeout expired), canceled (caller gave up), error (no connection could be made).
# TYPE interviewapi_db_pool_acquires_total counter
interviewapi_db_pool_acquires_total{result="canceled"} 0
interviewapi_db_pool_acquires_total{result="error"} 0
interviewapi_db_pool_acquires_total{result="success"} 1
interviewapi_db_pool_acquires_total{result="timeout"} 0
# HELP interviewapi_db_pool_acquired_connections_seconds_total Integral over time of acquired connections, sampled every 250ms: mean utilisation over an interval is Δ(this) / (Δt × interviewapi_db_pool_max_connections).
# TYPE interviewapi_db_pool_acquired_connections_seconds_total counter
interviewapi_db_pool_acquired_connections_seconds_total 4.04
`
	names := []string{"interviewapi_db_mode", "interviewapi_db_pool_max_connections", "interviewapi_db_pool_pending_acquires",
		"interviewapi_db_pool_connections", "interviewapi_db_pool_connections_closed_total", "interviewapi_db_pool_acquires_total",
		"interviewapi_db_pool_acquired_connections_seconds_total"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(r.waitHistogram); n != 1 {
		t.Errorf("acquire histogram has %d series, want 1", n)
	}
	if got := histogramCount(t, reg); got != 1 {
		t.Errorf("acquire histogram counted %d acquires, want 1", got)
	}
}

func histogramCount(t *testing.T, reg prometheus.Gatherer) uint64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "interviewapi_db_pool_acquire_duration_seconds" {
			return f.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	t.Fatal("interviewapi_db_pool_acquire_duration_seconds not exported")
	return 0
}

func TestClassifyAcquire(t *testing.T) {
	failure := errors.New("connection refused")

	ok, cancel := AcquireContext(context.Background(), time.Minute)
	defer cancel()
	if got := ClassifyAcquire(ok, nil); got != Success {
		t.Errorf("success classified %v", got)
	}
	if got := ClassifyAcquire(ok, failure); got != Failed {
		t.Errorf("failure classified %v", got)
	}

	expired, cancel2 := AcquireContext(context.Background(), time.Nanosecond)
	defer cancel2()
	<-expired.Done()
	if got := ClassifyAcquire(expired, expired.Err()); got != Timeout {
		t.Errorf("expired pool timeout classified %v", got)
	}

	parent, cancelParent := context.WithCancel(context.Background())
	gaveUp, cancel3 := AcquireContext(parent, time.Minute)
	defer cancel3()
	cancelParent()
	if got := ClassifyAcquire(gaveUp, gaveUp.Err()); got != Canceled {
		t.Errorf("caller cancellation classified %v", got)
	}
}
