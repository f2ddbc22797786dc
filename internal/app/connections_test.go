package app_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"k8s.io/utils/ptr"

	"github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/test/pgtest"
)

// TestConnectionsPerPodWithinBudget measures how many connections one server opens on
// PostgreSQL, as pg_stat_activity counts them, from its start on an empty database
// (the migrations run) through a load that fills its pool while readiness probes hit
// /readyz and /health, and checks the peak against what the connection budget counts a
// pod as: pool.size + pool.maxOverflow + v1alpha1.ServerConnectionsOutsidePool.
func TestConnectionsPerPodWithinBudget(t *testing.T) {
	if got := store.ProbeConnections + store.MigrationConnections; got != v1alpha1.ServerConnectionsOutsidePool {
		t.Fatalf("the server opens %d connections outside its pool (probe %d, migrations %d); the budget counts %d",
			got, store.ProbeConnections, store.MigrationConnections, v1alpha1.ServerConnectionsOutsidePool)
	}
	const size, overflow = 3, 2
	budget := int64((v1alpha1.PoolSpec{Size: size, MaxOverflow: ptr.To[int32](overflow)}).ConnectionsPerPod())
	for _, mode := range []string{"sync", "async"} {
		t.Run(mode, func(t *testing.T) {
			dbURL := pgtest.NewDatabase(t) // empty: the server migrates it at start
			w := watchConnections(t, dbURL)

			srv := startServer(t, map[string]string{
				"DATABASE_URL":                dbURL,
				"ASYNC_DATABASE_ENABLED":      boolString(mode == "async"),
				"ASYNC_DATABASE_POOL_SIZE":    fmt.Sprint(size),
				"ASYNC_DATABASE_MAX_OVERFLOW": fmt.Sprint(overflow),
				"ASYNC_DATABASE_POOL_TIMEOUT": "5",
				// Requests hold their connection across the generator in sync mode,
				// so concurrent clients fill the pool to its cap.
				"GENERATOR_LATENCY": "30ms",
			})
			var probes sync.WaitGroup
			probing, cancel := context.WithCancel(context.Background())
			for _, path := range []string{"/readyz", "/readyz", "/health"} {
				probes.Go(func() {
					for probing.Err() == nil {
						hit(srv, http.MethodGet, path, "")
						time.Sleep(5 * time.Millisecond)
					}
				})
			}
			srv.waitReady(t)
			startPeak := w.reset() // warm-up, migrations and probes

			var load sync.WaitGroup
			var failed atomic.Int64
			body := fmt.Sprintf(`{"job_description":%q,"num_questions":3}`, jobDescription)
			deadline := time.Now().Add(2 * time.Second)
			for range 4 * (size + overflow) {
				load.Go(func() {
					for time.Now().Before(deadline) {
						if hit(srv, http.MethodPost, "/api/v1/parse-jd", body) != http.StatusCreated {
							failed.Add(1)
						}
					}
				})
			}
			load.Wait()
			cancel()
			probes.Wait()
			got := w.stop()

			t.Logf("%s: peak %d connections on the database while starting, %d under load (pool %d+%d, budget counts %d a pod), %d requests not created",
				mode, startPeak, got, size, overflow, budget, failed.Load())
			for phase, n := range map[string]int64{"while starting": startPeak, "under load": got} {
				if n > budget {
					t.Errorf("%s one server held %d connections at once, more than the %d the connection budget counts a pod as", phase, n, budget)
				}
			}
			// The measurement saw the pool and the probe at work, or it proves nothing.
			if got < size+1 {
				t.Errorf("peak %d connections: fewer than the pool's %d plus the probe's, the load did not reach the database", got, size)
			}
			if mode == "sync" && got < size+overflow+1 {
				t.Errorf("peak %d connections: the sync load should fill the pool (%d) beside the probe", got, size+overflow)
			}
		})
	}
}

// watcher samples pg_stat_activity every 2ms for the backends of one database, from a
// connection to the cluster's own database (which is not counted), and keeps the most
// it saw at once.
type watcher struct {
	peak atomic.Int64
	stop func() int64
}

// reset returns the peak so far and starts a new one.
func (w *watcher) reset() int64 { return w.peak.Swap(0) }

func watchConnections(t *testing.T, dbURL string) *watcher {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := pgx.Connect(ctx, os.Getenv(pgtest.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	w := &watcher{}
	done := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			var n int64
			err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'`, dbName).Scan(&n)
			if err != nil {
				if ctx.Err() == nil {
					done <- err
					return
				}
				break
			}
			for {
				p := w.peak.Load()
				if n <= p || w.peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
		done <- nil
	}()
	var once sync.Once
	w.stop = func() int64 {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("sampling pg_stat_activity: %v", err)
			}
			_ = conn.Close(context.Background())
		})
		return w.peak.Load()
	}
	t.Cleanup(func() { w.stop() })
	return w
}

// hit sends one request from a load or probe goroutine (which may not fail the test)
// and returns its status, 0 when it got no answer.
func hit(s *server, method, path, body string) int {
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		return 0
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}
