package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/interviewapi/operator/internal/app"
	"github.com/interviewapi/operator/internal/config"
	"github.com/interviewapi/operator/test/pgtest"
)

// The load of BenchmarkShutdownUnderLoad: the demo's rate, 40 POSTs/s, but from keep-alive
// clients (the demo's load opens a connection per request).
const (
	benchClients     = 12
	benchInterval    = 300 * time.Millisecond // per client: 12 clients → 40 requests/s
	benchBeforeStop  = time.Second            // load on the stopping server before its SIGTERM
	benchAfterStop   = 1500 * time.Millisecond
	benchRequestBody = `{"job_description":"` + jobDescription + `"}`
)

// service stands for a Kubernetes Service in front of two pods: new connections go to
// the current target, kept-alive ones stay where they were dialled, as with kube-proxy.
type service struct{ target atomic.Pointer[string] }

func (s *service) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", *s.target.Load())
}

// serveApp serves an App of cfg with the given drain grace on a loopback port and
// waits until it is ready.
func serveApp(b *testing.B, cfg config.Config, grace time.Duration) *drainingServer {
	b.Helper()
	s := startDrainingServer(b, cfg, grace)
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := client.Get(s.base + "/readyz"); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Since(start) > 30*time.Second {
			b.Fatal("server not ready within 30s")
		}
	}
}

// stop sends SIGTERM and waits for Serve to return.
func (s *drainingServer) stop(b *testing.B) error {
	s.sigterm()
	return s.served(b)
}

// trialResult counts one trial's requests.
type trialResult struct {
	requests, failed, non2xx int
	errs                     []string
}

// loadTrial sends the load through svc for benchBeforeStop, calls stop (the pod leaves
// the Service and gets SIGTERM), and keeps the load up for benchAfterStop.
func loadTrial(svc *service, stop func()) trialResult {
	var (
		mu  sync.Mutex
		res trialResult
		wg  sync.WaitGroup
	)
	start := time.Now()
	end := start.Add(benchBeforeStop + benchAfterStop)
	for i := range benchClients {
		wg.Go(func() {
			transport := &http.Transport{DialContext: svc.dial, MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}
			defer transport.CloseIdleConnections()
			client := &http.Client{Timeout: 10 * time.Second, Transport: transport}
			next := start.Add(time.Duration(i) * benchInterval / benchClients)
			for ; next.Before(end); next = next.Add(benchInterval) {
				time.Sleep(time.Until(next))
				resp, err := client.Post("http://interviewapi/api/v1/parse-jd", "application/json", strings.NewReader(benchRequestBody))
				mu.Lock()
				res.requests++
				switch {
				case err != nil:
					res.failed++
					res.errs = append(res.errs, err.Error())
				case resp.StatusCode/100 != 2:
					res.non2xx++
				}
				mu.Unlock()
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		})
	}
	time.Sleep(time.Until(start.Add(benchBeforeStop)))
	stop()
	wg.Wait()
	return res
}

// BenchmarkShutdownUnderLoad measures what a stopping server's keep-alive clients lose:
// 12 clients send 40 POSTs/s through a stand-in Service to server A; after 1 s A leaves
// the Service (new connections go to server B) and gets SIGTERM; the load goes on for
// 1.5 s. One iteration is one trial. "shutdown-at-once" is a drain grace of 0 (Shutdown
// right after SIGTERM, the behaviour before the drain), "drain" the server's own grace.
// Run: make bench-drain (docs/benchmarks.md, "Shutdown drain").
func BenchmarkShutdownUnderLoad(b *testing.B) {
	cfg, err := config.Load(map[string]string{"DATABASE_URL": pgtest.NewDatabase(b), "ASYNC_DATABASE_ENABLED": "true"})
	if err != nil {
		b.Fatal(err)
	}
	serverB := serveApp(b, cfg, app.DrainGrace) // migrates the database once
	addrB := strings.TrimPrefix(serverB.base, "http://")
	defer func() {
		if err := serverB.stop(b); err != nil {
			b.Error(err)
		}
	}()
	for _, variant := range []struct {
		name  string
		grace time.Duration
	}{{"shutdown-at-once", 0}, {"drain", app.DrainGrace}} {
		b.Run(variant.name, func(b *testing.B) {
			var total trialResult
			var stopTook time.Duration
			endings := map[string]int{} // why each trial's drain ended
			for b.Loop() {
				serverA := serveApp(b, cfg, variant.grace)
				addrA := strings.TrimPrefix(serverA.base, "http://")
				svc := &service{}
				svc.target.Store(&addrA)
				stopped := make(chan time.Duration, 1)
				res := loadTrial(svc, func() {
					svc.target.Store(&addrB)
					go func() {
						sigterm := time.Now()
						serverA.sigterm()
						if err := <-serverA.done; err != nil { // not served: Fatal belongs to the benchmark's goroutine
							b.Errorf("server A: %v", err)
						}
						stopped <- time.Since(sigterm)
					}()
				})
				stopTook += <-stopped
				drained := serverA.log.line("drained")
				if drained == nil {
					b.Fatal(`server A logged no "drained" line`)
				}
				msg, _ := drained["msg"].(string)
				endings[strings.TrimPrefix(msg, "drained: ")]++
				total.requests += res.requests
				total.failed += res.failed
				total.non2xx += res.non2xx
				total.errs = append(total.errs, res.errs...)
			}
			n := float64(b.N)
			b.ReportMetric(float64(total.requests)/n, "requests/trial")
			b.ReportMetric(float64(total.failed)/n, "failed/trial")
			b.ReportMetric(float64(total.non2xx)/n, "non2xx/trial")
			b.ReportMetric(stopTook.Seconds()*1000/n, "ms-SIGTERM-to-exit/trial")
			b.Logf("%s: %d trials, %d requests, %d failed, %d non-2xx; drains ended: %v", variant.name, b.N, total.requests, total.failed, total.non2xx, endings)
			for i, e := range total.errs {
				if i == 5 {
					b.Logf("… %d more", len(total.errs)-i)
					break
				}
				b.Logf("failed: %s", e)
			}
		})
	}
}
