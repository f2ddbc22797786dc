package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/interviewapi/operator/test/pgtest"
)

// TestDatabaseOutage starts the server while its database is down, then brings the
// database up, stops it mid-run and starts it again: the server must start (livez 200,
// readyz 503), apply the migrations and serve once the database is up, answer 503 and
// turn /readyz 503 within 2 s when it goes down, and recover by itself, with no restart.
func TestDatabaseOutage(t *testing.T) {
	cluster := pgtest.StartCluster(t)
	url := cluster.NewDatabase(t)
	for _, mode := range []string{"sync", "async"} {
		t.Run(mode, func(t *testing.T) {
			if err := cluster.Stop(); err != nil {
				t.Fatal(err)
			}
			srv := startServer(t, map[string]string{
				"DATABASE_URL":                url,
				"ASYNC_DATABASE_ENABLED":      boolString(mode == "async"),
				"ASYNC_DATABASE_POOL_SIZE":    "2",
				"ASYNC_DATABASE_MAX_OVERFLOW": "2",
				"ASYNC_DATABASE_POOL_TIMEOUT": "2",
			})

			// Down at start: alive, not ready, the API refuses politely.
			if r := srv.do(t, http.MethodGet, "/livez", nil); r.status != http.StatusOK {
				t.Fatalf("livez with the database down: %d", r.status)
			}
			ready := srv.do(t, http.MethodGet, "/readyz", nil)
			if ready.status != http.StatusServiceUnavailable {
				t.Fatalf("readyz with the database down: %d %s", ready.status, ready.raw)
			}
			if r := srv.do(t, http.MethodGet, "/api/v1/services", nil); r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" {
				t.Errorf("API with the database down at start: %d %s", r.status, r.raw)
			}

			// Up: migrations are retried until they pass, then the API serves.
			if err := cluster.Start(); err != nil {
				t.Fatal(err)
			}
			took := eventually(t, 20*time.Second, "ready after the database came up", func() bool {
				return srv.do(t, http.MethodGet, "/readyz", nil).status == http.StatusOK
			})
			t.Logf("%s: ready %s after the database came up", mode, took.Round(time.Millisecond))
			if r := srv.do(t, http.MethodPost, "/api/v1/parse-jd", map[string]any{"job_description": jobDescription}); r.status != http.StatusCreated {
				t.Fatalf("parse-jd once up: %d %s", r.status, r.raw)
			}

			// Down mid-run: 503s, and /readyz says so within 2 s.
			if err := cluster.Stop(); err != nil {
				t.Fatal(err)
			}
			took = eventually(t, 2*time.Second, "readyz 503 after the database stopped", func() bool {
				return srv.do(t, http.MethodGet, "/readyz", nil).status == http.StatusServiceUnavailable
			})
			t.Logf("%s: readyz 503 %s after the database stopped", mode, took.Round(time.Millisecond))
			for _, req := range []struct {
				method, path string
				body         any
			}{
				{http.MethodPost, "/api/v1/parse-jd", map[string]any{"job_description": jobDescription}},
				{http.MethodGet, "/api/v1/sessions/00000000-0000-4000-8000-000000000000", nil},
			} {
				start := time.Now()
				r := srv.do(t, req.method, req.path, req.body)
				if r.status != http.StatusServiceUnavailable || r.str("error.code") != "database_unavailable" || r.header.Get("Retry-After") == "" {
					t.Errorf("%s %s with the database down: %d %s", req.method, req.path, r.status, r.raw)
				}
				t.Logf("%s: %s %s answered %d in %s", mode, req.method, req.path, r.status, time.Since(start).Round(time.Millisecond))
			}
			if h := srv.do(t, http.MethodGet, "/health", nil); h.str("async_database.status") != "unavailable" {
				t.Errorf("health with the database down: %s", h.raw)
			}
			if m := srv.do(t, http.MethodGet, "/monitoring/database", nil); m.str("health.status") != "critical" ||
				!strings.Contains(m.raw, "unreachable") {
				t.Errorf("monitoring with the database down: %s", m.raw)
			}

			// Back: the same process recovers.
			if err := cluster.Start(); err != nil {
				t.Fatal(err)
			}
			took = eventually(t, 20*time.Second, "recovery after the database came back", func() bool {
				return srv.do(t, http.MethodGet, "/readyz", nil).status == http.StatusOK &&
					srv.do(t, http.MethodPost, "/api/v1/parse-jd", map[string]any{"job_description": jobDescription}).status == http.StatusCreated
			})
			t.Logf("%s: serving again %s after the database came back", mode, took.Round(time.Millisecond))
		})
	}
}
