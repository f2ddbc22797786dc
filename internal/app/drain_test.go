package app

import (
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// fakeConn is a distinct connection for the tracker, which only uses it as a key.
type fakeConn struct{ net.Conn }

// connEvent is a ConnState callback, after the fake clock has moved by after.
type connEvent struct {
	after time.Duration
	conn  int
	state http.ConnState
}

// TestDrain runs the drain against a real tracker fed ConnState callbacks and a fake
// clock: it ends at once with no connection open, when the last connection closes, or
// when its grace has passed, and reports what it saw.
func TestDrain(t *testing.T) {
	const grace = time.Second
	opened := func(conns ...int) []connEvent {
		var ev []connEvent
		for _, c := range conns {
			ev = append(ev, connEvent{0, c, http.StateNew}, connEvent{0, c, http.StateActive}, connEvent{0, c, http.StateIdle})
		}
		return ev
	}
	cases := []struct {
		name      string
		before    []connEvent // before SIGTERM
		during    []connEvent
		graceEnds bool // the test moves the clock to the grace's end
		want      drainReport
	}{
		{name: "nothing ever opened: ends at once",
			want: drainReport{Reason: drainNoneOpen, Left: map[http.ConnState]int{}}},
		{name: "connections closed before SIGTERM: ends at once",
			before: append(opened(0, 1), connEvent{0, 0, http.StateClosed}, connEvent{0, 1, http.StateHijacked}),
			want:   drainReport{Reason: drainNoneOpen, Left: map[http.ConnState]int{}}},
		{name: "an idle connection sends a request, is told to close",
			before: opened(0),
			during: []connEvent{{300 * time.Millisecond, 0, http.StateActive}, {5 * time.Millisecond, 0, http.StateClosed}},
			want:   drainReport{Open: 1, Closed: 1, Took: 305 * time.Millisecond, Reason: drainAllClosed, Left: map[http.ConnState]int{}}},
		{name: "a late connection from a lagging proxy is waited for too",
			before: opened(0),
			during: []connEvent{
				{100 * time.Millisecond, 1, http.StateNew},
				{0, 0, http.StateActive}, {0, 0, http.StateClosed},
				{200 * time.Millisecond, 1, http.StateActive}, {0, 1, http.StateClosed},
			},
			want: drainReport{Open: 1, Closed: 2, Took: 300 * time.Millisecond, Reason: drainAllClosed, Left: map[http.ConnState]int{}}},
		{name: "idle and busy connections that never finish: the grace ends it",
			before:    append(opened(0, 1, 2), connEvent{0, 2, http.StateActive}, connEvent{0, 3, http.StateNew}),
			during:    []connEvent{{200 * time.Millisecond, 1, http.StateActive}, {0, 1, http.StateClosed}},
			graceEnds: true,
			want: drainReport{Open: 4, Closed: 1, Took: grace, Reason: drainGraceOver,
				Left: map[http.ConnState]int{http.StateIdle: 1, http.StateActive: 1, http.StateNew: 1}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktesting.NewFakeClock(time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC))
			tracker := newConnTracker()
			conns := map[int]net.Conn{}
			observe := func(e connEvent) {
				if conns[e.conn] == nil {
					conns[e.conn] = &fakeConn{}
				}
				tracker.observe(conns[e.conn], e.state)
			}
			for _, e := range tc.before {
				observe(e)
			}
			done := make(chan drainReport, 1)
			go func() { done <- drain(tracker, clk, grace, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
			if tc.want.Open > 0 {
				// The drain has begun once its grace timer is set.
				for !clk.HasWaiters() {
					time.Sleep(time.Millisecond)
				}
			}
			var moved time.Duration
			for _, e := range tc.during {
				clk.Step(e.after)
				moved += e.after
				observe(e)
			}
			if tc.graceEnds {
				clk.Step(grace - moved)
			}
			var got drainReport
			select {
			case got = <-done:
			case <-time.After(10 * time.Second): // a hang, not a speed bound: the fake clock never moves by itself
				t.Fatal("the drain did not end")
			}
			if got.Open != tc.want.Open || got.Closed != tc.want.Closed || got.Took != tc.want.Took ||
				got.Reason != tc.want.Reason || !maps.Equal(got.Left, tc.want.Left) {
				t.Errorf("drain = %+v, want %+v", got, tc.want)
			}
		})
	}
}
