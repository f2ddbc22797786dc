package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/interviewapi/operator/internal/store/storetest"
)

// TestReadyOnlyOnceWarm: a server's first /readyz 200 comes only once its pool's Size
// connections are open in PostgreSQL, so that a pod joins its Service with a warm pool
// and its first requests do not wait for connection set-up; /health then says warm.
func TestReadyOnlyOnceWarm(t *testing.T) {
	const size = 60
	for _, mode := range []string{"sync", "async"} {
		t.Run(mode, func(t *testing.T) {
			// Migrated beforehand, so that the server's own migration check passes well
			// before its pool is open and only the warm-up can hold readiness back.
			dbURL := storetest.MigratedDatabase(t)
			srv := startServer(t, map[string]string{
				"DATABASE_URL":                dbURL,
				"ASYNC_DATABASE_ENABLED":      boolString(mode == "async"),
				"ASYNC_DATABASE_POOL_SIZE":    fmt.Sprint(size),
				"ASYNC_DATABASE_MAX_OVERFLOW": "0",
				"ASYNC_DATABASE_POOL_TIMEOUT": "5",
			})
			var last string
			warming := 0 // refusals for the warm-up
			took := eventually(t, 30*time.Second, "server ready", func() bool {
				r := srv.do(t, http.MethodGet, "/readyz", nil)
				if r.status != http.StatusOK {
					last = r.str("error.message")
					if strings.HasPrefix(last, "pool warming up: ") {
						warming++
					}
				}
				return r.status == http.StatusOK
			})
			if open := storetest.Backends(t, dbURL); open < size {
				t.Errorf("/readyz said ready with %d connections open, want at least the pool's %d (last refusal %q)", open, size, last)
			}
			if h := srv.do(t, http.MethodGet, "/health", nil); h.str("async_database.pool_warm_up.state") != "warm" {
				t.Errorf("health once ready: %s", h.raw)
			}
			t.Logf("%s: ready %s after start, %d refusals for the warm-up before, the last %q",
				mode, took.Round(time.Millisecond), warming, last)
		})
	}
}
