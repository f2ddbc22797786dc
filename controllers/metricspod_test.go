package controllers_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/interviewapi/operator/internal/metricnames"
	"github.com/interviewapi/operator/internal/poolstats"
)

// metricsPod serves on a loopback port the /metrics a server pod serves, made by the
// server's own pool recorder (internal/poolstats) under a steady healthy load: an
// acquire answered at once and a 200 every few milliseconds, a fifth of the pool in
// use. While unreachable it accepts scrapes and never answers them, as a pod behind a
// broken network path does; the scraper's timeout ends each one.
type metricsPod struct {
	port        int32
	unreachable atomic.Bool
}

// metricsPodLoadPeriod is how often the simulated load acquires a connection and
// answers a request: 200 a second, far above any minAcquires per interval.
const metricsPodLoadPeriod = 5 * time.Millisecond

// startMetricsPod serves a pod of the given database mode ("sync" or "async") until
// the test ends.
func startMetricsPod(t *testing.T, mode string) *metricsPod {
	t.Helper()
	reg := prometheus.NewRegistry()
	rec := poolstats.New(poolstats.Settings{Mode: mode, PoolSize: 8, MaxOverflow: 2, AcquireTimeout: 30 * time.Second})
	rec.SetState(func() poolstats.PoolState { return poolstats.PoolState{Acquired: 2, Idle: 6} })
	if err := rec.Register(reg); err != nil {
		t.Fatal(err)
	}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: metricnames.HTTPRequests, Help: "requests"},
		[]string{metricnames.LabelRoute, metricnames.LabelMethod, metricnames.LabelCode})
	reg.MustRegister(requests)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	pod := &metricsPod{port: int32(p)}
	metrics := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if pod.unreachable.Load() {
			select {
			case <-r.Context().Done():
			case <-ctx.Done():
			}
			return
		}
		metrics.ServeHTTP(w, r)
	}), ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{}, 2)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("metrics pod: %v", err)
		}
		done <- struct{}{}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		go rec.Run(ctx)
		tick := time.NewTicker(metricsPodLoadPeriod)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			rec.AcquireFinished(rec.AcquireStarted(), poolstats.Success)
			requests.WithLabelValues("/api/v1/analyze-answer", http.MethodPost, "200").Inc()
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = srv.Close()
		<-done
		<-done
	})
	return pod
}
