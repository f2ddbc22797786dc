package app_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/interviewapi/operator/internal/store/storetest"
)

// TestPoolExhaustion runs N concurrent parse-jd requests whose generator step takes 1.5 s
// on a pool of one connection with a 1 s timeout. The sync engine holds its connection
// across the generator, so the others time out: 503 with Retry-After, the timeout
// counter and pending gauge move, and /monitoring/database reports critical. The async
// engine holds the connection only per statement, so the same load passes.
func TestPoolExhaustion(t *testing.T) {
	const concurrent = 4
	url := storetest.MigratedDatabase(t)
	for _, mode := range []string{"sync", "async"} {
		t.Run(mode, func(t *testing.T) {
			srv := startServer(t, map[string]string{
				"DATABASE_URL":                url,
				"ASYNC_DATABASE_ENABLED":      boolString(mode == "async"),
				"ASYNC_DATABASE_POOL_SIZE":    "1",
				"ASYNC_DATABASE_MAX_OVERFLOW": "0",
				"ASYNC_DATABASE_POOL_TIMEOUT": "1",
				"GENERATOR_LATENCY":           "1500ms",
			})
			srv.waitReady(t)

			replies := make(chan reply, concurrent)
			var wg sync.WaitGroup
			for range concurrent {
				wg.Go(func() {
					replies <- srv.do(t, http.MethodPost, "/api/v1/parse-jd", map[string]any{"job_description": jobDescription, "num_questions": 3})
				})
			}
			// Watch the pending gauge while the requests run.
			maxPending := 0.0
			finished := make(chan struct{})
			go func() { wg.Wait(); close(finished) }()
		watch:
			for {
				select {
				case <-finished:
					break watch
				case <-time.After(20 * time.Millisecond):
					maxPending = max(maxPending, metric(srv.do(t, http.MethodGet, "/metrics", nil).raw, "interviewapi_db_pool_pending_acquires"))
				}
			}
			close(replies)

			created, timedOut := 0, 0
			for r := range replies {
				switch r.status {
				case http.StatusCreated:
					created++
				case http.StatusServiceUnavailable:
					timedOut++
					if r.header.Get("Retry-After") == "" || r.str("error.code") != "pool_timeout" {
						t.Errorf("503 without Retry-After or pool_timeout code: %v %s", r.header, r.raw)
					}
				default:
					t.Errorf("unexpected reply %d %s", r.status, r.raw)
				}
			}
			metrics := srv.do(t, http.MethodGet, "/metrics", nil).raw
			timeouts := metric(metrics, `interviewapi_db_pool_acquires_total{result="timeout"}`)
			monitoring := srv.do(t, http.MethodGet, "/monitoring/database", nil)
			t.Logf("%s: %d created, %d timed out; max pending %v; timeouts counter %v; health %s",
				mode, created, timedOut, maxPending, timeouts, monitoring.str("health.status"))

			if metric(metrics, "go_goroutines") <= 0 || metric(metrics, "process_resident_memory_bytes") <= 0 {
				t.Error("/metrics lacks the Go runtime and process metrics")
			}
			if mode == "async" {
				if created != concurrent || timeouts != 0 {
					t.Errorf("async engine: %d of %d created, %v timeouts; it must not hold connections across the generator",
						created, concurrent, timeouts)
				}
				return
			}
			if created < 1 || timedOut < 1 {
				t.Errorf("sync engine: %d created, %d timed out; want both", created, timedOut)
			}
			if timeouts < float64(timedOut) || maxPending < 1 {
				t.Errorf("metrics: timeouts counter %v for %d timeouts, max pending %v", timeouts, timedOut, maxPending)
			}
			if monitoring.str("health.status") != "critical" || !strings.Contains(monitoring.raw, "timed out") {
				t.Errorf("/monitoring/database after timeouts: %s", monitoring.raw)
			}
		})
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
