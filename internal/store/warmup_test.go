package store_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/internal/store/storetest"
	"github.com/interviewapi/operator/test/pgtest"
)

// TestEnginesWarmUp: both engines open their Size connections by themselves, before any
// request, and none of them counts as an acquire: a new pod that opened them on its
// first requests would show the set-up as pool contention to the rollout analysis
// (found by the end-to-end rollout test). Each engine's warm-up record ends Done once
// its Size connections are open, exactly Size as pg_stat_activity counts them, with a
// pool larger than the sync engine's warm-up opens at once; and it ends GaveUp, with
// nothing opened, when the database is down at start, so that readiness follows the
// probe instead of waiting for good.
func TestEnginesWarmUp(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e.Mode)+"/warm", func(t *testing.T) {
			url := pgtest.NewDatabase(t)
			settings := store.PoolSettings{Size: 13, MaxOverflow: 2, AcquireTimeout: 5 * time.Second, Recycle: time.Hour}
			s, rec := storetest.OpenStore(t, e, url, settings)
			w := waitWarmUp(t, s)
			if w.State != store.WarmUpDone || w.Opened != settings.Size || w.Size != settings.Size || w.Err != nil {
				t.Fatalf("warm-up ended %+v, want Done with %d opened", w, settings.Size)
			}
			if open := storetest.Backends(t, url); open != settings.Size {
				t.Errorf("%d connections open once warm with no request, want the pool's size %d", open, settings.Size)
			}
			if n := rec.Snapshot().Pool.AcquiresTotal; n != 0 {
				t.Errorf("opening the pool counted %d acquires, want none", n)
			}
		})
		t.Run(string(e.Mode)+"/database down at start", func(t *testing.T) {
			settings := store.PoolSettings{Size: 5, MaxOverflow: 1, AcquireTimeout: 2 * time.Second, Recycle: time.Hour}
			s, _ := storetest.OpenStore(t, e, closedPortURL(t), settings)
			w := waitWarmUp(t, s)
			if w.State != store.WarmUpGaveUp || w.Opened != 0 || w.Err == nil {
				t.Fatalf("warm-up with the database down ended %+v, want GaveUp with none opened and the error", w)
			}
			if !w.Finished() {
				t.Error("a warm-up that gave up is not finished")
			}
		})
	}
}

// waitWarmUp waits for s's warm-up to finish and returns how it ended.
func waitWarmUp(t *testing.T, s store.Store) store.WarmUpProgress {
	t.Helper()
	select {
	case <-s.WarmedUp():
	case <-time.After(30 * time.Second):
		t.Fatalf("warm-up not finished 30s after Open: %s", s.WarmUp())
	}
	return s.WarmUp()
}

// closedPortURL is a database URL on a loopback port that nothing listens on.
func closedPortURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return "postgres://postgres@" + addr + "/none?sslmode=disable"
}

// TestWarmUpRecord: the record counts to Size and then ends Done, or ends GaveUp at the
// first failure, and never changes once finished.
func TestWarmUpRecord(t *testing.T) {
	failed := errors.New("connect: refused")
	for _, tc := range []struct {
		name   string
		size   int
		events string // o: a connection opened, f: a connect failed
		want   store.WarmUpProgress
	}{
		{name: "nothing yet", size: 3, events: "", want: store.WarmUpProgress{State: store.WarmUpRunning, Size: 3}},
		{name: "part way", size: 3, events: "oo", want: store.WarmUpProgress{State: store.WarmUpRunning, Opened: 2, Size: 3}},
		{name: "all opened", size: 3, events: "ooo", want: store.WarmUpProgress{State: store.WarmUpDone, Opened: 3, Size: 3}},
		{name: "more opened than Size", size: 2, events: "oooo", want: store.WarmUpProgress{State: store.WarmUpDone, Opened: 2, Size: 2}},
		{name: "failure once warm changes nothing", size: 2, events: "oof", want: store.WarmUpProgress{State: store.WarmUpDone, Opened: 2, Size: 2}},
		{name: "failure first", size: 3, events: "fo", want: store.WarmUpProgress{State: store.WarmUpGaveUp, Size: 3, Err: failed}},
		{name: "failure part way", size: 3, events: "ofoo", want: store.WarmUpProgress{State: store.WarmUpGaveUp, Opened: 1, Size: 3, Err: failed}},
		{name: "a pool of none is warm", size: 0, events: "", want: store.WarmUpProgress{State: store.WarmUpDone}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := store.NewWarmUp(tc.size)
			for _, ev := range tc.events {
				if ev == 'o' {
					w.Opened()
				} else {
					w.GiveUp(failed)
				}
			}
			if got := w.Progress(); got != tc.want {
				t.Errorf("after %q: %+v, want %+v", tc.events, got, tc.want)
			}
			select {
			case <-w.Done():
				if !tc.want.Finished() {
					t.Error("Done closed while running")
				}
			default:
				if tc.want.Finished() {
					t.Error("Done not closed once finished")
				}
			}
		})
	}
}

func TestWarmUpProgressString(t *testing.T) {
	for _, tc := range []struct {
		p    store.WarmUpProgress
		want string
	}{
		{store.WarmUpProgress{State: store.WarmUpRunning, Opened: 37, Size: 100}, "pool warming up: 37 of 100 connections open"},
		{store.WarmUpProgress{State: store.WarmUpDone, Opened: 100, Size: 100}, "pool warm: 100 connections opened"},
		{store.WarmUpProgress{State: store.WarmUpGaveUp, Opened: 3, Size: 100, Err: errors.New("connect: refused")},
			"pool warm-up gave up after 3 of 100 connections: connect: refused"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
}
