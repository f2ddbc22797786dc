package poolhealth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/interviewapi/operator/internal/metricnames"
)

// DefaultMinRange is the shortest range PrometheusSource queries. increase() needs at
// least two samples of a series inside its range, so the range must span a few scrape
// intervals: one minute is four scrapes at the usual 15s.
const DefaultMinRange = time.Minute

// PrometheusSource measures pods by querying a Prometheus server that scrapes them
// (the operator's PodMonitor, or any scrape configuration that keeps the usual
// namespace and pod target labels). It keeps no state: every Measure asks for the
// increases over the last R, where R = max(q.Interval, MinRange), at the current time.
// A window that would start before q.Since is not asked for: the measurement is
// Pending until R has passed since q.Since. A q.FromSince query asks for the
// increases over everything since q.Since instead, R = now − q.Since, once that is
// at least the R above.
//
// The pods are selected by name, SEL = {namespace="NS", pod=~"POD1|POD2|…"} with the
// names of the track's ready pods, so the queries need no pod labels relabelled into
// Prometheus and tell the tracks apart exactly. For each track it runs, at time now:
//
//	pods reporting:    count by (pod) (last_over_time(interviewapi_db_pool_max_connections{SEL}[R]))
//	acquires:          sum by (result) (increase(interviewapi_db_pool_acquires_total{SEL}[R]))
//	acquire waits:     sum by (le) (increase(interviewapi_db_pool_acquire_duration_seconds_bucket{SEL}[R]))
//	requests:          sum by (code) (increase(interviewapi_http_requests_total{SEL}[R]))
//	acquired conn·s:   sum(increase(interviewapi_db_pool_acquired_connections_seconds_total{SEL}[R]))
//	pool capacity:     sum(avg_over_time(interviewapi_db_pool_max_connections{SEL}[R]))
//	modes:             count by (mode) (last_over_time(interviewapi_db_mode{SEL}[R]) == 1)
//
// and computes the measures from them with the same code as ScrapeSource: the p99 is
// interpolated from the summed bucket increases, which is what
//
//	histogram_quantile(0.99, sum by (le) (rate(interviewapi_db_pool_acquire_duration_seconds_bucket{SEL}[R])))
//
// returns (rate and increase differ by the factor R, which a quantile ignores); mean
// utilisation is acquired conn·s / (pool capacity × R in seconds); the timeout ratio is
// acquires{result="timeout"} / Σ acquires; the error ratio is Σ requests{code=~"5.."} /
// Σ requests. Dashboards can use the same expressions.
type PrometheusSource struct {
	api      promv1.API
	minRange time.Duration
	now      func() time.Time
}

// The series labels holding a pod's namespace and name, as kubernetes_sd relabelling
// and the Prometheus Operator write them (config/prometheus/podmonitor.yaml).
const (
	targetNamespaceLabel = "namespace"
	targetPodLabel       = "pod"
)

// PrometheusOption configures a PrometheusSource.
type PrometheusOption func(*prometheusConfig)

type prometheusConfig struct {
	client   *http.Client
	minRange time.Duration
	now      func() time.Time
}

// WithPrometheusHTTPClient sets the HTTP client (default: client_golang's default
// round tripper).
func WithPrometheusHTTPClient(c *http.Client) PrometheusOption {
	return func(p *prometheusConfig) { p.client = c }
}

// WithMinRange sets the shortest query range (default DefaultMinRange). Make it at
// least twice, better four times, Prometheus' scrape interval of the server pods.
func WithMinRange(d time.Duration) PrometheusOption {
	return func(p *prometheusConfig) { p.minRange = d }
}

// WithPrometheusClock sets the clock that picks the evaluation time (default time.Now).
func WithPrometheusClock(now func() time.Time) PrometheusOption {
	return func(p *prometheusConfig) { p.now = now }
}

// NewPrometheusSource returns a source querying the Prometheus HTTP API at address
// (such as http://prometheus:9090).
func NewPrometheusSource(address string, opts ...PrometheusOption) (*PrometheusSource, error) {
	cfg := prometheusConfig{minRange: DefaultMinRange, now: time.Now}
	for _, o := range opts {
		o(&cfg)
	}
	client, err := api.NewClient(api.Config{Address: address, Client: cfg.client})
	if err != nil {
		return nil, fmt.Errorf("prometheus client for %s: %w", address, err)
	}
	return &PrometheusSource{
		api:      promv1.NewAPI(client),
		minRange: cfg.minRange,
		now:      cfg.now,
	}, nil
}

// Measure implements Source.
func (s *PrometheusSource) Measure(ctx context.Context, q Query) (Measurement, error) {
	if len(q.Canary) == 0 {
		return Measurement{}, errors.New("no ready canary pods to query")
	}
	now := s.now()
	rng := max(q.Interval, s.minRange)
	elapsed := now.Sub(q.Since)
	if elapsed < rng {
		return Measurement{Pending: true, RetryAfter: rng - elapsed}, nil
	}
	if q.FromSince {
		// The step's totals: the increases over everything since it started, to the
		// second (PromQL ranges take whole milliseconds; seconds keep them readable).
		rng = elapsed.Truncate(time.Second)
	}
	canary, err := s.measureTrack(ctx, q.Namespace, q.Canary, rng, now)
	if err != nil {
		return Measurement{}, fmt.Errorf("canary: %w", err)
	}
	m := Measurement{Canary: canary.Measures(), CanaryDelta: canary}
	if len(q.Stable) > 0 {
		// The stable pods are only a point of comparison: without them that check is
		// left out, so a failed query there does not fail the measurement.
		if stable, err := s.measureTrack(ctx, q.Namespace, q.Stable, rng, now); err == nil && stable.Pods > 0 {
			sm := stable.Measures()
			m.Stable, m.StableDelta = &sm, &stable
		}
	}
	return m, nil
}

// Queries returns the PromQL expressions Measure runs for one track, keyed by what they
// measure, for documentation and tests.
func (s *PrometheusSource) Queries(namespace string, pods []Pod, rng time.Duration) map[string]string {
	sel := s.selector(namespace, pods)
	r := "[" + model.Duration(rng).String() + "]"
	return map[string]string{
		"pods":     fmt.Sprintf("count by (%s) (last_over_time(%s%s%s))", targetPodLabel, metricnames.PoolMaxConnections, sel, r),
		"acquires": fmt.Sprintf("sum by (%s) (increase(%s%s%s))", metricnames.LabelResult, metricnames.PoolAcquires, sel, r),
		"waits":    fmt.Sprintf("sum by (le) (increase(%s%s%s%s))", metricnames.PoolAcquireDuration, metricnames.BucketSuffix, sel, r),
		"requests": fmt.Sprintf("sum by (%s) (increase(%s%s%s))", metricnames.LabelCode, metricnames.HTTPRequests, sel, r),
		"acquired": fmt.Sprintf("sum(increase(%s%s%s))", metricnames.PoolAcquiredSeconds, sel, r),
		"capacity": fmt.Sprintf("sum(avg_over_time(%s%s%s))", metricnames.PoolMaxConnections, sel, r),
		"modes":    fmt.Sprintf("count by (%s) (last_over_time(%s%s%s) == 1)", metricnames.LabelMode, metricnames.Mode, sel, r),
	}
}

// selector matches the given pods of a namespace. Pod names are DNS subdomains, so
// quoting the dots is the only escaping the regular expression needs.
func (s *PrometheusSource) selector(namespace string, pods []Pod) string {
	names := make([]string, len(pods))
	for i, p := range pods {
		names[i] = regexp.QuoteMeta(p.Name)
	}
	slices.Sort(names)
	return fmt.Sprintf("{%s=%s,%s=~%s}", targetNamespaceLabel, strconv.Quote(namespace), targetPodLabel, strconv.Quote(strings.Join(names, "|")))
}

func (s *PrometheusSource) measureTrack(ctx context.Context, namespace string, pods []Pod, rng time.Duration, at time.Time) (Delta, error) {
	queries := s.Queries(namespace, pods, rng)
	results := make(map[string]model.Vector, len(queries))
	for _, name := range []string{"pods", "acquires", "waits", "requests", "acquired", "capacity", "modes"} {
		v, err := s.query(ctx, queries[name], at)
		if err != nil {
			return Delta{}, err
		}
		results[name] = v
	}

	d := Delta{Window: rng}
	reporting := map[string]bool{}
	for _, smp := range results["pods"] {
		reporting[string(smp.Metric[model.LabelName(targetPodLabel)])] = true
	}
	for _, p := range pods {
		if reporting[p.Name] {
			d.Pods++
		} else {
			d.Gaps = append(d.Gaps, fmt.Sprintf("pod %s: Prometheus has no samples of it in the last %s", p.Name, model.Duration(rng)))
		}
	}
	if d.Pods == 0 {
		return d, nil
	}

	if v := results["acquires"]; len(v) > 0 {
		d.Acquires = make(map[string]float64, len(v))
		for _, smp := range v {
			d.Acquires[string(smp.Metric[metricnames.LabelResult])] += float64(smp.Value)
		}
	}
	if v := results["waits"]; len(v) > 0 {
		h, err := histogramFromVector(v)
		if err != nil {
			return Delta{}, err
		}
		d.AcquireWait = h
	}
	if v := results["requests"]; len(v) > 0 {
		rc := &RequestCounts{}
		for _, smp := range v {
			rc.Total += float64(smp.Value)
			if strings.HasPrefix(string(smp.Metric[metricnames.LabelCode]), "5") {
				rc.ServerErrors += float64(smp.Value)
			}
		}
		d.Requests = rc
	}
	if v := results["acquired"]; len(v) == 1 {
		x := float64(v[0].Value)
		d.AcquiredSeconds = &x
	}
	if v := results["capacity"]; len(v) == 1 {
		x := float64(v[0].Value) * rng.Seconds()
		d.CapacitySeconds = &x
	}
	if v := results["modes"]; len(v) > 0 {
		d.Modes = make(map[string]int, len(v))
		for _, smp := range v {
			d.Modes[string(smp.Metric[metricnames.LabelMode])] += int(smp.Value)
		}
	}
	return d, nil
}

func (s *PrometheusSource) query(ctx context.Context, q string, at time.Time) (model.Vector, error) {
	var opts []promv1.Option
	if deadline, ok := ctx.Deadline(); ok {
		// Prometheus stops evaluating when the operator stops waiting. The client sends
		// the timeout as Go writes a duration, and Prometheus refuses a fraction
		// ("9.5s" is bad_data), so it is whole seconds, at least one.
		opts = append(opts, promv1.WithTimeout(max(time.Until(deadline).Truncate(time.Second), time.Second)))
	}
	v, _, _, err := s.api.Query(ctx, q, at, opts...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", q, queryError(ctx, err))
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query %s: got a %s, want a vector", q, v.Type())
	}
	return vec, nil
}

// histogramFromVector builds a histogram from a sum by (le) of bucket increases.
func histogramFromVector(v model.Vector) (*Histogram, error) {
	h := &Histogram{}
	for _, smp := range v {
		le, err := strconv.ParseFloat(string(smp.Metric["le"]), 64)
		if err != nil {
			return nil, fmt.Errorf("bucket bound %q: %w", smp.Metric["le"], err)
		}
		h.Buckets = append(h.Buckets, Bucket{UpperBound: le, Count: float64(smp.Value)})
	}
	sortBuckets(h.Buckets)
	if last := h.Buckets[len(h.Buckets)-1]; math.IsInf(last.UpperBound, 1) {
		h.Count = last.Count
	}
	return h, nil
}
