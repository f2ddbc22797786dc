package poolstats

import (
	"strings"
	"testing"
	"time"
)

func TestEvaluate(t *testing.T) {
	th := DefaultThresholds()
	tests := []struct {
		name    string
		pool    PoolStatus
		status  string
		reasons []string // substrings, one per reason, in order
	}{
		{"idle pool", PoolStatus{Max: 50}, Healthy, nil},
		{"busy but fine", PoolStatus{Max: 50, CheckedOut: 30, Utilization: 0.6, AcquireWaitP99Ms: 5}, Healthy, nil},
		{"little headroom", PoolStatus{Max: 50, CheckedOut: 45, Utilization: 0.9}, Degraded, []string{"utilization 90%"}},
		{"slow acquires", PoolStatus{Max: 50, AcquireWaitP99Ms: 150}, Degraded, []string{"acquire wait p99 150.0ms"}},
		{"exhausted", PoolStatus{Max: 2, CheckedOut: 2, Utilization: 1, Pending: 7}, Critical, []string{"pool exhausted: all 2 connections checked out, 7 requests waiting"}},
		{"full without waiters", PoolStatus{Max: 2, CheckedOut: 2, Utilization: 1}, Degraded, []string{"utilization 100%"}},
		{"timeouts", PoolStatus{Max: 1, TimeoutSeconds: 1, TimeoutsRecent: 3, AcquireWaitP99Ms: 1000}, Critical,
			[]string{"3 acquires timed out after 1s", "acquire wait p99"}},
		{"database down", PoolStatus{Max: 50, ErrorsRecent: 4}, Critical, []string{"4 connection attempts failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := Evaluate(tt.pool, th)
			if h.Status != tt.status {
				t.Errorf("status %q, want %q (reasons %q)", h.Status, tt.status, h.Reasons)
			}
			if h.Reasons == nil {
				t.Error("reasons is nil; it must encode as [] in JSON")
			}
			if len(h.Reasons) != len(tt.reasons) {
				t.Fatalf("reasons %q, want %d", h.Reasons, len(tt.reasons))
			}
			for i, want := range tt.reasons {
				if !strings.Contains(h.Reasons[i], want) {
					t.Errorf("reason %d = %q, want it to contain %q", i, h.Reasons[i], want)
				}
			}
		})
	}
}

func TestSnapshotReportsStateAndRecentAcquires(t *testing.T) {
	clock := &fakeClock{t: time.Unix(2_000_000, 0)}
	r := New(Settings{Mode: "async", PoolSize: 2, MaxOverflow: 1, AcquireTimeout: time.Second}, WithClock(clock.now))
	r.SetState(func() PoolState {
		return PoolState{Acquired: 3, Idle: 0, Constructing: 0, Closed: ClosedCounts{Lifetime: 1, Idle: 2, Broken: 3}}
	})
	start := r.AcquireStarted()
	waiting := r.AcquireStarted()
	clock.t = clock.t.Add(time.Second)
	r.AcquireFinished(start, Timeout)
	r.RoundTrip(2*time.Millisecond, 3, false)
	r.RoundTrip(time.Millisecond, 1, true)

	s := r.Snapshot()
	p := s.Pool
	if s.Mode != "async" || p.Max != 3 || p.CheckedOut != 3 || p.Overflow != 1 || p.Pending != 1 || p.Utilization != 1 {
		t.Errorf("pool status %+v", p)
	}
	if p.TimeoutsTotal != 1 || p.TimeoutsRecent != 1 || p.AcquiresTotal != 1 || p.AcquireWaitP99Ms < 1000 {
		t.Errorf("acquire figures %+v", p)
	}
	if p.Closed != (Closed{Lifetime: 1, Idle: 2, Broken: 3}) {
		t.Errorf("closed %+v", p.Closed)
	}
	if s.Health.Status != Critical {
		t.Errorf("health %+v, want critical", s.Health)
	}
	if q := s.Queries; q.RoundTripsTotal != 2 || q.StatementsTotal != 4 || q.ErrorsTotal != 1 || q.ErrorsRecent != 1 {
		t.Errorf("queries %+v", q)
	}

	// The waiter gets its connection; a minute later the timeout has left the window.
	r.AcquireFinished(waiting, Success)
	clock.t = clock.t.Add(time.Minute)
	r.SetState(func() PoolState { return PoolState{Acquired: 1, Idle: 1} })
	if h := r.Snapshot().Health; h.Status != Healthy {
		t.Errorf("a minute after the timeout health is %+v, want healthy", h)
	}
}
