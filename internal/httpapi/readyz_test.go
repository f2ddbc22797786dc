package httpapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/interviewapi/operator/internal/httpapi"
	"github.com/interviewapi/operator/internal/store"
)

// fakeProber answers Ping with err.
type fakeProber struct{ err error }

func (p fakeProber) Ping(context.Context) error { return p.err }

// TestReadyzAnswers is the order of /readyz's checks over a fake lifecycle and probe:
// draining, then the schema, then the pool's warm-up, then the database probe. A
// warm-up that gave up leaves the answer to the probe.
func TestReadyzAnswers(t *testing.T) {
	warming := store.WarmUpProgress{State: store.WarmUpRunning, Opened: 37, Size: 100}
	warm := store.WarmUpProgress{State: store.WarmUpDone, Opened: 100, Size: 100}
	gaveUp := store.WarmUpProgress{State: store.WarmUpGaveUp, Opened: 3, Size: 100, Err: errors.New("connect: refused")}
	down := errors.New("probe failed")
	for _, tc := range []struct {
		name     string
		draining bool
		schema   error
		warmUp   store.WarmUpProgress
		probe    error
		reason   string // "": ready
	}{
		{name: "draining comes first", draining: true, schema: errSchemaPending, warmUp: warming, probe: down, reason: "shutting down"},
		{name: "schema before the warm-up", schema: errSchemaPending, warmUp: warming, reason: errSchemaPending.Error()},
		{name: "warming up, with progress", warmUp: warming, reason: "pool warming up: 37 of 100 connections open"},
		{name: "warming up, before the probe", warmUp: warming, probe: down, reason: "pool warming up: 37 of 100 connections open"},
		{name: "nothing opened yet", warmUp: store.WarmUpProgress{Size: 4}, reason: "pool warming up: 0 of 4 connections open"},
		{name: "warm", warmUp: warm},
		{name: "warm, database down", warmUp: warm, probe: down, reason: "database unavailable"},
		{name: "gave up, database answers", warmUp: gaveUp},
		{name: "gave up, database down", warmUp: gaveUp, probe: down, reason: "database unavailable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lc := &lifecycle{}
			lc.draining.Store(tc.draining)
			if tc.schema != nil {
				lc.schemaErr.Store(&tc.schema)
			}
			lc.warmUp.Store(&tc.warmUp)
			h, err := httpapi.NewRouter(httpapi.Deps{
				Prober: fakeProber{err: tc.probe}, Lifecycle: lc, Registry: prometheus.NewRegistry(),
				Version: "test", Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			srv := &testServer{handler: h, lifecycle: lc}
			r := srv.do(t, http.MethodGet, "/readyz", nil)
			if tc.reason == "" {
				r.wantStatus(t, http.StatusOK)
				return
			}
			wantNotReady(t, r, tc.reason)
		})
	}
}
