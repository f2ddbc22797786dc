package loadgen

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func mustMix(t *testing.T, s string) Mix {
	t.Helper()
	m, err := ParseMix(s)
	if err != nil {
		t.Fatalf("ParseMix(%q): %v", s, err)
	}
	return m
}

// runCtx bounds every run of these tests, so that a hang fails instead of blocking CI.
func runCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestRunCountsEveryRequestAndFollowsTheMix(t *testing.T) {
	tests := []struct {
		name     string
		mix      string
		requests int64
		want     map[Op]int64
	}{
		{"all four evenly", "parse-jd=1,analyze-answer=1,services=1,session=1", 400,
			map[Op]int64{OpParseJD: 100, OpAnalyzeAnswer: 100, OpServices: 100, OpSession: 100}},
		{"dominated by parse-jd", "parse-jd=6,session=1,services=1", 480,
			map[Op]int64{OpParseJD: 360, OpSession: 60, OpServices: 60}},
		{"read only", "session=1", 50, map[Op]int64{OpSession: 50}},
		{"partial last cycle", "parse-jd=3,services=1", 10, map[Op]int64{OpParseJD: 8, OpServices: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := newFakeAPI(t)
			srv := api.start()
			s, err := Run(runCtx(t), Config{BaseURL: srv.URL, Concurrency: 8, Requests: tt.requests, Mix: mustMix(t, tt.mix), SeedSessions: 5})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if s.Requests != tt.requests || s.OK != tt.requests || s.Errors != 0 || s.Status[200] != tt.requests {
				t.Fatalf("requests %d ok %d errors %d status %v; want %d all ok", s.Requests, s.OK, s.Errors, s.Status, tt.requests)
			}
			for _, op := range allOps {
				got := int64(0)
				if r := s.Routes[op]; r != nil {
					got = r.Requests
				}
				if got != tt.want[op] {
					t.Errorf("route %s: %d requests, want %d", op, got, tt.want[op])
				}
				seen := api.count(op)
				if op == OpParseJD && mustMix(t, tt.mix).needsSessions() {
					seen -= 5 // the seed sessions are sent but not counted
				}
				if seen != tt.want[op] {
					t.Errorf("server saw %d %s requests, want %d", seen, op, tt.want[op])
				}
			}
			if n := api.unknownIDs.Load(); n != 0 {
				t.Errorf("%d requests named ids the server never issued", n)
			}
			l := s.Latency
			if l.P50 <= 0 || l.P50 > l.P95 || l.P95 > l.P99 || l.P99 > l.Max {
				t.Errorf("latency percentiles out of order: %+v", l)
			}
			if s.RPS <= 0 || s.Elapsed <= 0 {
				t.Errorf("rps %v elapsed %v, want both positive", s.RPS, s.Elapsed)
			}
		})
	}
}

func TestRunAccountsForEveryKindOfError(t *testing.T) {
	api := newFakeAPI(t)
	api.fail = func(w http.ResponseWriter, r *http.Request, op Op, n int64) bool {
		switch {
		case op == OpServices && n%4 == 0:
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, "pool_timeout")
		case op == OpServices && n%4 == 1:
			http.Error(w, "plain text failure", http.StatusInternalServerError)
		case op == OpAnalyzeAnswer && n%5 == 0:
			// On a POST: net/http transparently retries an idempotent GET whose reused
			// connection drops, which would hide the hang-up from the count.
			hangUp(t, w)
		case op == OpParseJD && n%2 == 0:
			writeJSON(w, http.StatusOK, map[string]any{"role": "no session id here"})
		default:
			return false
		}
		return true
	}
	srv := api.start()
	seeded := Session{ID: "s-seeded", QuestionIDs: []string{"s-seeded-q0"}}
	api.sessions[seeded.ID] = seeded.QuestionIDs
	// Concurrency 1 makes the n-th request of a route the n-th the server sees.
	s, err := Run(runCtx(t), Config{
		BaseURL: srv.URL, Concurrency: 1, Requests: 120,
		Mix:      mustMix(t, "parse-jd=1,analyze-answer=1,services=1"),
		Sessions: []Session{seeded},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}

	// 40 of each route: services n=1..40 → 10 with n%4==0 (503), 10 with n%4==1 (500);
	// analyze-answer n=1..40 → 8 hang-ups; parse-jd n=1..40 → 20 bodies without a
	// session id.
	wantStatus := map[int]int64{503: 10, 500: 10}
	for code, n := range wantStatus {
		if s.ErrorsByStatus[code] != n {
			t.Errorf("errors by status %d: %d, want %d (all: %v)", code, s.ErrorsByStatus[code], n, s.ErrorsByStatus)
		}
	}
	if len(s.ErrorsByStatus) != len(wantStatus) {
		t.Errorf("errors by status %v, want only %v", s.ErrorsByStatus, wantStatus)
	}
	if s.ErrorsByCode["pool_timeout"] != 10 || s.ErrorsByCode[NoErrorCode] != 10 || len(s.ErrorsByCode) != 2 {
		t.Errorf("errors by code %v, want pool_timeout:10 and %s:10", s.ErrorsByCode, NoErrorCode)
	}
	if s.TransportErrors["connection_reset"] != 8 || len(s.TransportErrors) != 1 || s.ErrorSamples["connection_reset"] == "" {
		t.Errorf("transport errors %v (samples %v), want connection_reset:8 only, with a sample", s.TransportErrors, s.ErrorSamples)
	}
	if s.InvalidResponses != 20 || s.ErrorSamples["invalid_response"] == "" {
		t.Errorf("invalid responses %d (sample %q), want 20 with a sample", s.InvalidResponses, s.ErrorSamples["invalid_response"])
	}
	if s.Errors != 10+10+8+20 || s.Requests != 120 || s.OK != 120-s.Errors {
		t.Errorf("requests %d ok %d errors %d, want 120 requests and 48 errors", s.Requests, s.OK, s.Errors)
	}
	// A hang-up has no status; every other request has exactly one.
	var withStatus int64
	for _, n := range s.Status {
		withStatus += n
	}
	if withStatus != 120-8 {
		t.Errorf("%d responses with a status, want %d", withStatus, 120-8)
	}
	if r := s.Routes[OpServices]; r.Errors != 20 || r.OK != 20 {
		t.Errorf("services route: %d errors %d ok, want 20 and 20", r.Errors, r.OK)
	}
	if r := s.Routes[OpAnalyzeAnswer]; r.Errors != 8 || r.OK != 32 || r.Requests != 40 {
		t.Errorf("analyze-answer route: %d requests %d errors %d ok, want 40, 8 and 32", r.Requests, r.Errors, r.OK)
	}
}

func TestRunCountsTimeouts(t *testing.T) {
	api := newFakeAPI(t)
	api.delay = 2 * time.Second
	srv := api.start()
	s, err := Run(runCtx(t), Config{BaseURL: srv.URL, Concurrency: 2, Requests: 4, Mix: mustMix(t, "services=1"), Timeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if s.TransportErrors["timeout"] != 4 || s.Errors != 4 || s.OK != 0 {
		t.Errorf("transport errors %v, errors %d, ok %d; want 4 timeouts", s.TransportErrors, s.Errors, s.OK)
	}
}

func TestRunStopsAtOnceWhenCancelled(t *testing.T) {
	api := newFakeAPI(t)
	api.delay = time.Minute // every request hangs until the run gives up on it
	srv := api.start()
	ctx, cancel := context.WithCancel(runCtx(t))
	time.AfterFunc(100*time.Millisecond, cancel)

	done := make(chan struct{})
	var s Summary
	var err error
	go func() {
		defer close(done)
		s, err = Run(ctx, Config{BaseURL: srv.URL, Concurrency: 16, Duration: time.Minute, Mix: mustMix(t, "services=1")})
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run still running 10s after its context was cancelled")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run error = %v, want context.Canceled", err)
	}
	if s.Requests != 0 || s.Errors != 0 {
		t.Errorf("requests cut short by the cancellation were counted: %d requests, %d errors", s.Requests, s.Errors)
	}
	if api.count(OpServices) != 16 {
		t.Errorf("server saw %d requests, want one per worker (16)", api.count(OpServices))
	}
}

func TestRunLetsInFlightRequestsFinishWhenTheDurationEnds(t *testing.T) {
	api := newFakeAPI(t)
	api.delay = 300 * time.Millisecond
	srv := api.start()
	s, err := Run(runCtx(t), Config{BaseURL: srv.URL, Concurrency: 4, Duration: 100 * time.Millisecond, Mix: mustMix(t, "services=1")})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Every worker's first request outlives the duration: all four must be counted as
	// successes, and no worker may start a second one.
	if s.Requests != 4 || s.OK != 4 || api.count(OpServices) != 4 {
		t.Errorf("requests %d ok %d, server saw %d; want 4 of each", s.Requests, s.OK, api.count(OpServices))
	}
	if s.Elapsed < api.delay {
		t.Errorf("elapsed %v is shorter than one request (%v)", s.Elapsed, api.delay)
	}
}

func TestOpenLoopMeasuresFromTheDueTime(t *testing.T) {
	api := newFakeAPI(t)
	api.delay = 50 * time.Millisecond
	srv := api.start()
	// One worker, four requests due 1ms apart: they queue behind each other, so the last
	// one waits for the three before it and its latency must include that wait.
	s, err := Run(runCtx(t), Config{BaseURL: srv.URL, Concurrency: 1, Requests: 4, Rate: 1000, Mix: mustMix(t, "services=1")})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if s.Requests != 4 || s.OK != 4 {
		t.Fatalf("requests %d ok %d, want 4", s.Requests, s.OK)
	}
	if floor := 4*api.delay - 3*time.Millisecond; s.Latency.Max < floor {
		t.Errorf("max latency %v, want at least %v (the queueing must be counted)", s.Latency.Max, floor)
	}
}

func TestOpenLoopCountsRequestsThatCouldNotStart(t *testing.T) {
	api := newFakeAPI(t)
	api.delay = 200 * time.Millisecond
	srv := api.start()
	// 100/s for 300ms is 30 due; one worker busy 200ms per request starts at most 2.
	s, err := Run(runCtx(t), Config{BaseURL: srv.URL, Concurrency: 1, Duration: 300 * time.Millisecond, Rate: 100, Mix: mustMix(t, "services=1")})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if s.Requests+s.Unsent != 30 || s.Unsent < 20 {
		t.Errorf("requests %d + unsent %d, want 30 with at least 20 unsent", s.Requests, s.Unsent)
	}
}

func TestRunReportsProgress(t *testing.T) {
	api := newFakeAPI(t)
	api.delay = 5 * time.Millisecond
	srv := api.start()
	progress := make(chan Progress, 100)
	s, err := Run(runCtx(t), Config{
		BaseURL: srv.URL, Concurrency: 2, Duration: 300 * time.Millisecond, Mix: mustMix(t, "services=1"),
		Progress: 50 * time.Millisecond, OnProgress: func(p Progress) { progress <- p },
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	close(progress)
	var last Progress
	n := 0
	for p := range progress {
		if p.Requests < last.Requests || p.Elapsed <= last.Elapsed {
			t.Errorf("progress went backwards: %+v after %+v", p, last)
		}
		last = p
		n++
	}
	if n == 0 {
		t.Fatal("no progress reported during a run six intervals long")
	}
	if last.Requests > s.Requests {
		t.Errorf("progress reported %d requests, more than the %d of the summary", last.Requests, s.Requests)
	}
}

func TestSeedFailsWithTheServersAnswer(t *testing.T) {
	api := newFakeAPI(t)
	api.fail = func(w http.ResponseWriter, _ *http.Request, _ Op, _ int64) bool {
		writeError(w, http.StatusServiceUnavailable, "database_unavailable")
		return true
	}
	srv := api.start()
	_, err := Run(runCtx(t), Config{BaseURL: srv.URL, Concurrency: 4, Requests: 10, Mix: mustMix(t, "session=1")})
	if err == nil || !strings.Contains(err.Error(), "503") || !strings.Contains(err.Error(), "database_unavailable") {
		t.Fatalf("Run error = %v, want a seeding error naming 503 database_unavailable", err)
	}
}

func TestAnalyzeAnswerNeedsSessionsWithQuestions(t *testing.T) {
	api := newFakeAPI(t)
	api.noQuestions = true
	srv := api.start()
	_, err := Run(runCtx(t), Config{BaseURL: srv.URL, Concurrency: 2, Requests: 10, Mix: mustMix(t, "analyze-answer=1")})
	if err == nil || !strings.Contains(err.Error(), "no session has any") {
		t.Fatalf("Run error = %v, want one saying no session has questions", err)
	}
}

func TestSeedReturnsTheSessionsTheServerCreated(t *testing.T) {
	api := newFakeAPI(t)
	srv := api.start()
	sessions, err := Seed(runCtx(t), Config{BaseURL: srv.URL, Concurrency: 8}, 7)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	if len(sessions) != 7 || api.count(OpParseJD) != 7 {
		t.Fatalf("%d sessions from %d parse-jd requests, want 7 and 7", len(sessions), api.count(OpParseJD))
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	for _, s := range sessions {
		if qs, ok := api.sessions[s.ID]; !ok || len(qs) != len(s.QuestionIDs) {
			t.Errorf("session %+v: not the one the server created (%v)", s, qs)
		}
	}
}

func TestConfigIsChecked(t *testing.T) {
	good := Config{BaseURL: "http://127.0.0.1:1", Concurrency: 1, Requests: 1, Mix: Mix{{OpServices, 1}}}
	tests := []struct {
		name   string
		mutate func(*Config)
	}{
		{"no url", func(c *Config) { c.BaseURL = "" }},
		{"relative url", func(c *Config) { c.BaseURL = "127.0.0.1:8000" }},
		{"no workers", func(c *Config) { c.Concurrency = 0 }},
		{"neither duration nor requests", func(c *Config) { c.Requests = 0 }},
		{"negative rate", func(c *Config) { c.Rate = -1 }},
		{"rate too high", func(c *Config) { c.Rate = 2e6 }},
		{"empty mix", func(c *Config) { c.Mix = nil }},
		{"zero weight", func(c *Config) { c.Mix = Mix{{OpServices, 0}} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.mutate(&c)
			if _, err := Run(runCtx(t), c); err == nil || !strings.Contains(err.Error(), "config") {
				t.Errorf("Run accepted a bad config (err %v)", err)
			}
		})
	}
}
