package poolstats

import (
	"testing"
	"time"
)

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
