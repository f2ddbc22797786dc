package poolstats

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/interviewapi/operator/internal/metricnames"
)

// Register adds the pool metrics to reg. Gauges and the closed-connections counters are
// read from the engine at scrape time; acquire metrics are updated as acquires happen.
func (r *Recorder) Register(reg prometheus.Registerer) error {
	mode := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: metricnames.Mode,
		Help: "Database engine of this server: 1 for the active mode (sync or async), 0 for the other.",
	}, []string{metricnames.LabelMode})
	for _, m := range []string{metricnames.ModeSync, metricnames.ModeAsync} {
		v := 0.0
		if m == r.settings.Mode {
			v = 1
		}
		mode.WithLabelValues(m).Set(v)
	}
	maxConns := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: metricnames.PoolMaxConnections,
		Help: "Total cap of the pool: ASYNC_DATABASE_POOL_SIZE + ASYNC_DATABASE_MAX_OVERFLOW.",
	})
	maxConns.Set(float64(r.settings.MaxConns()))
	pending := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: metricnames.PoolPendingAcquires,
		Help: "Requests waiting for a database connection right now.",
	}, func() float64 { return float64(r.Pending()) })
	acquiredSeconds := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: metricnames.PoolAcquiredSeconds,
		Help: "Integral over time of acquired connections, sampled every 250ms: mean utilisation over an interval is Δ(this) / (Δt × interviewapi_db_pool_max_connections).",
	}, r.acquiredSeconds)

	for _, c := range []prometheus.Collector{mode, maxConns, pending, acquiredSeconds, r.waitHistogram, r.acquireTotal, stateCollector{r}} {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register pool metrics: %w", err)
		}
	}
	return nil
}

// Run advances the acquired-connections integral every 250ms until ctx ends.
func (r *Recorder) Run(ctx context.Context) {
	t := time.NewTicker(sampleInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			r.sample()
			return
		case <-t.C:
			r.sample()
		}
	}
}

var (
	connectionsDesc = prometheus.NewDesc(metricnames.PoolConnections,
		"Open connections of the pool by state: acquired (checked out), idle, constructing (being opened).",
		[]string{metricnames.LabelState}, nil)
	closedDesc = prometheus.NewDesc(metricnames.PoolConnectionsClosed,
		"Connections closed by reason: lifetime (recycled), idle (overflow no longer needed), broken (found dead).",
		[]string{metricnames.LabelReason}, nil)
)

// stateCollector reads the engine's pool state once per scrape.
type stateCollector struct{ r *Recorder }

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- connectionsDesc
	ch <- closedDesc
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.r.poolState()
	ch <- prometheus.MustNewConstMetric(connectionsDesc, prometheus.GaugeValue, float64(s.Acquired), metricnames.StateAcquired)
	ch <- prometheus.MustNewConstMetric(connectionsDesc, prometheus.GaugeValue, float64(s.Idle), metricnames.StateIdle)
	ch <- prometheus.MustNewConstMetric(connectionsDesc, prometheus.GaugeValue, float64(s.Constructing), metricnames.StateConstructing)
	ch <- prometheus.MustNewConstMetric(closedDesc, prometheus.CounterValue, float64(s.Closed.Lifetime), metricnames.ClosedLifetime)
	ch <- prometheus.MustNewConstMetric(closedDesc, prometheus.CounterValue, float64(s.Closed.Idle), metricnames.ClosedIdle)
	ch <- prometheus.MustNewConstMetric(closedDesc, prometheus.CounterValue, float64(s.Closed.Broken), metricnames.ClosedBroken)
}
