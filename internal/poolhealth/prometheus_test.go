package poolhealth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/interviewapi/operator/internal/metricnames"
)

// vecSample is one element of an instant vector in the query API's JSON.
type vecSample struct {
	labels map[string]string
	value  float64
}

// fakePrometheus speaks the Prometheus HTTP API's /api/v1/query: it answers each query
// with the vector the test's answer function returns and records what was asked.
type fakePrometheus struct {
	t      *testing.T
	srv    *httptest.Server
	answer func(query string) ([]vecSample, bool)

	mu      sync.Mutex
	queries []string
	times   []string
}

func newFakePrometheus(t *testing.T, answer func(query string) ([]vecSample, bool)) *fakePrometheus {
	f := &fakePrometheus{t: t, answer: answer}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakePrometheus) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/query" {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	q, ts := r.Form.Get("query"), r.Form.Get("time")
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.times = append(f.times, ts)
	f.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	samples, ok := f.answer(q)
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "error", "errorType": "bad_data", "error": "parse error: unexpected character"})
		return
	}
	sec, _ := strconv.ParseFloat(ts, 64)
	result := make([]map[string]any, 0, len(samples))
	for _, s := range samples {
		result = append(result, map[string]any{
			"metric": s.labels,
			"value":  []any{sec, strconv.FormatFloat(s.value, 'f', -1, 64)},
		})
	}
	_ = json.NewEncoder(w).Encode(map[string]any{
		"status": "success",
		"data":   map[string]any{"resultType": "vector", "result": result},
	})
}

func (f *fakePrometheus) asked() ([]string, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.queries...), append([]string(nil), f.times...)
}

// healthyAnswers answers the seven queries of a track like a Prometheus that scraped
// the named pods (those of them the query selects) and found two healthy pods' worth
// of traffic.
func healthyAnswers(pods ...string) func(q string) ([]vecSample, bool) {
	return func(q string) ([]vecSample, bool) {
		switch {
		case strings.HasPrefix(q, "count by (pod)"):
			var out []vecSample
			for _, p := range pods {
				if strings.Contains(q, p) {
					out = append(out, vecSample{map[string]string{"pod": p}, 1})
				}
			}
			return out, true
		case strings.Contains(q, metricnames.PoolAcquires):
			return []vecSample{{map[string]string{"result": "success"}, 990.5}, {map[string]string{"result": "timeout"}, 9.5}}, true
		case strings.Contains(q, metricnames.PoolAcquireDuration+"_bucket"):
			return []vecSample{
				{map[string]string{"le": "0.001"}, 500}, {map[string]string{"le": "0.01"}, 980},
				{map[string]string{"le": "0.1"}, 1000}, {map[string]string{"le": "+Inf"}, 1000},
			}, true
		case strings.Contains(q, metricnames.HTTPRequests):
			return []vecSample{{map[string]string{"code": "200"}, 1990}, {map[string]string{"code": "503"}, 10}}, true
		case strings.Contains(q, metricnames.PoolAcquiredSeconds):
			return []vecSample{{map[string]string{}, 1200}}, true
		case strings.Contains(q, "avg_over_time("+metricnames.PoolMaxConnections):
			return []vecSample{{map[string]string{}, 100}}, true
		case strings.Contains(q, metricnames.Mode):
			return []vecSample{{map[string]string{"mode": "async"}, 2}}, true
		}
		return nil, false
	}
}

func promQuery(since time.Time) Query {
	return Query{
		Namespace: "shop", Instance: "demo",
		Canary:   []Pod{{UID: types.UID("u1"), Name: "demo-canary-7d9-x2"}, {UID: types.UID("u2"), Name: "demo-canary-7d9-k8"}},
		Stable:   []Pod{{UID: types.UID("u3"), Name: "demo-stable-5c4-q1"}},
		Interval: 30 * time.Second,
		Since:    since,
	}
}

func TestPrometheusSourceQueriesAndMeasures(t *testing.T) {
	now := t0.Add(5 * time.Minute)
	prom := newFakePrometheus(t, healthyAnswers("demo-canary-7d9-x2", "demo-canary-7d9-k8", "demo-stable-5c4-q1"))
	src, err := NewPrometheusSource(prom.srv.URL, WithPrometheusClock(func() time.Time { return now }))
	if err != nil {
		t.Fatalf("NewPrometheusSource: %v", err)
	}
	m, err := src.Measure(context.Background(), promQuery(t0))
	if err != nil {
		t.Fatalf("Measure: %v", err)
	}

	const canarySel = `{namespace="shop",pod=~"demo-canary-7d9-k8|demo-canary-7d9-x2"}`
	const stableSel = `{namespace="shop",pod=~"demo-stable-5c4-q1"}`
	var want []string
	for _, sel := range []string{canarySel, stableSel} {
		want = append(want,
			`count by (pod) (last_over_time(interviewapi_db_pool_max_connections`+sel+`[1m]))`,
			`sum by (result) (increase(interviewapi_db_pool_acquires_total`+sel+`[1m]))`,
			`sum by (le) (increase(interviewapi_db_pool_acquire_duration_seconds_bucket`+sel+`[1m]))`,
			`sum by (code) (increase(interviewapi_http_requests_total`+sel+`[1m]))`,
			`sum(increase(interviewapi_db_pool_acquired_connections_seconds_total`+sel+`[1m]))`,
			`sum(avg_over_time(interviewapi_db_pool_max_connections`+sel+`[1m]))`,
			`count by (mode) (last_over_time(interviewapi_db_mode`+sel+`[1m]) == 1)`,
		)
	}
	queries, times := prom.asked()
	if len(queries) != len(want) {
		t.Fatalf("sent %d queries:\n%s\nwant %d", len(queries), strings.Join(queries, "\n"), len(want))
	}
	for i := range want {
		if queries[i] != want[i] {
			t.Errorf("query %d:\n got %s\nwant %s", i, queries[i], want[i])
		}
		if ts, _ := strconv.ParseFloat(times[i], 64); int64(ts) != now.Unix() {
			t.Errorf("query %d evaluated at %s, want %d", i, times[i], now.Unix())
		}
	}

	c := m.Canary
	if m.Pending || c.Pods != 2 || c.Window != time.Minute || len(c.Gaps) != 0 {
		t.Fatalf("canary pods %d window %s gaps %v pending %v", c.Pods, c.Window, c.Gaps, m.Pending)
	}
	checks := []struct {
		name string
		got  Value
		want float64
	}{
		{"acquires", c.Acquires, 1000},
		{"p99 (rank 990 in (0.001, 0.01] holding 500..980 → into (0.01, 0.1])", c.AcquireWaitP99, 0.01 + 0.09*(990.0-980)/20},
		{"utilization 1200 conn·s / (100 conns × 60s)", c.Utilization, 0.2},
		{"timeout ratio", c.TimeoutRatio, 0.0095},
		{"error ratio", c.ErrorRatio, 0.005},
	}
	for _, ch := range checks {
		if !ch.got.Known || !approx(ch.got.V, ch.want) {
			t.Errorf("%s = %+v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if c.Modes["async"] != 2 {
		t.Errorf("modes = %v", c.Modes)
	}
	if m.Stable == nil || m.Stable.Pods != 1 {
		t.Errorf("stable = %+v, want one pod", m.Stable)
	}
}

func TestPrometheusSourcePendingUntilAFullRangeAfterSince(t *testing.T) {
	now := t0.Add(40 * time.Second)
	prom := newFakePrometheus(t, healthyAnswers())
	src, err := NewPrometheusSource(prom.srv.URL, WithPrometheusClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	m, err := src.Measure(context.Background(), promQuery(t0))
	if err != nil || !m.Pending || m.RetryAfter != 20*time.Second {
		t.Fatalf("Measure = %+v, %v; want Pending for 20s more (1m range from Since)", m, err)
	}
	if q, _ := prom.asked(); len(q) != 0 {
		t.Errorf("sent %d queries while pending", len(q))
	}

	// A longer interval widens the range.
	query := promQuery(t0)
	query.Interval = 2 * time.Minute
	now = t0.Add(3 * time.Minute)
	if _, err := src.Measure(context.Background(), query); err != nil {
		t.Fatal(err)
	}
	if q, _ := prom.asked(); len(q) == 0 || !strings.HasSuffix(q[1], "[2m]))") {
		t.Errorf("queries %v, want a 2m range", q)
	}
}

func TestPrometheusSourceGapsAndErrors(t *testing.T) {
	now := t0.Add(5 * time.Minute)

	t.Run("a pod without samples is a gap", func(t *testing.T) {
		prom := newFakePrometheus(t, healthyAnswers("demo-canary-7d9-x2"))
		src, _ := NewPrometheusSource(prom.srv.URL, WithPrometheusClock(func() time.Time { return now }))
		m, err := src.Measure(context.Background(), promQuery(t0))
		if err != nil {
			t.Fatal(err)
		}
		if m.Canary.Pods != 1 || len(m.Canary.Gaps) != 1 || !strings.Contains(m.Canary.Gaps[0], "demo-canary-7d9-k8") {
			t.Errorf("pods %d gaps %v, want pod k8 missing", m.Canary.Pods, m.Canary.Gaps)
		}
		if m.Stable != nil {
			t.Errorf("stable = %+v, want nil (Prometheus has no samples of it)", m.Stable)
		}
		if r := JudgeThresholds(m.Canary, m.Stable, criteria); r.Verdict != "Inconclusive" {
			t.Errorf("verdict %s (%s), want Inconclusive", r.Verdict, r.Message)
		}
	})

	t.Run("no series at all is inconclusive", func(t *testing.T) {
		prom := newFakePrometheus(t, func(string) ([]vecSample, bool) { return nil, true })
		src, _ := NewPrometheusSource(prom.srv.URL, WithPrometheusClock(func() time.Time { return now }))
		m, err := src.Measure(context.Background(), promQuery(t0))
		if err != nil {
			t.Fatal(err)
		}
		r := JudgeThresholds(m.Canary, m.Stable, criteria)
		if r.Verdict != "Inconclusive" || !strings.Contains(r.Message, "no pods were measured") {
			t.Errorf("verdict %s (%s), want Inconclusive: no pods measured", r.Verdict, r.Message)
		}
	})

	t.Run("a query error fails the measurement", func(t *testing.T) {
		prom := newFakePrometheus(t, func(string) ([]vecSample, bool) { return nil, false })
		src, _ := NewPrometheusSource(prom.srv.URL, WithPrometheusClock(func() time.Time { return now }))
		_, err := src.Measure(context.Background(), promQuery(t0))
		if err == nil || !strings.Contains(err.Error(), "canary") || !strings.Contains(err.Error(), "bad_data") {
			t.Fatalf("err = %v, want the canary query's error type", err)
		}
		r, wait := MeasureAndJudge(context.Background(), src, promQuery(t0), criteria, now)
		if r == nil || r.Verdict != "Inconclusive" || wait != 0 || !strings.Contains(r.Message, "could not measure") {
			t.Errorf("MeasureAndJudge = %+v, %s; want an Inconclusive result", r, wait)
		}
	})

	t.Run("a stable query error only drops the comparison", func(t *testing.T) {
		healthy := healthyAnswers("demo-canary-7d9-x2", "demo-canary-7d9-k8")
		prom := newFakePrometheus(t, func(q string) ([]vecSample, bool) {
			if strings.Contains(q, "demo-stable") {
				return nil, false
			}
			return healthy(q)
		})
		src, _ := NewPrometheusSource(prom.srv.URL, WithPrometheusClock(func() time.Time { return now }))
		m, err := src.Measure(context.Background(), promQuery(t0))
		if err != nil || m.Stable != nil || m.Canary.Pods != 2 {
			t.Errorf("Measure = %+v, %v; want canary measured and no stable", m, err)
		}
	})

	t.Run("unreachable Prometheus", func(t *testing.T) {
		prom := newFakePrometheus(t, healthyAnswers())
		prom.srv.Close()
		src, _ := NewPrometheusSource(prom.srv.URL, WithPrometheusClock(func() time.Time { return now }))
		if _, err := src.Measure(context.Background(), promQuery(t0)); err == nil {
			t.Error("Measure against a closed server succeeded")
		}
	})
}

func TestPrometheusSourceOptions(t *testing.T) {
	src, err := NewPrometheusSource("http://127.0.0.1:9", WithMinRange(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	q := src.Queries("shop", []Pod{{Name: "a.b"}}, 2*time.Minute)
	if want := `sum(increase(interviewapi_db_pool_acquired_connections_seconds_total{namespace="shop",pod=~"a\\.b"}[2m]))`; q["acquired"] != want {
		t.Errorf("query = %s\nwant %s", q["acquired"], want)
	}
	if !strings.HasPrefix(q["pods"], "count by (pod)") {
		t.Errorf("pods query = %s", q["pods"])
	}
	if _, err := NewPrometheusSource("://bad"); err == nil {
		t.Error("an invalid address was accepted")
	}
}

// A FromSince query asks for the increases over everything since Since, once a full
// range has passed, and returns the deltas with the measures.
func TestPrometheusSourceFromSinceAsksForTheWholeStep(t *testing.T) {
	now := t0.Add(30 * time.Second)
	prom := newFakePrometheus(t, healthyAnswers("demo-canary-7d9-x2", "demo-canary-7d9-k8", "demo-stable-5c4-q1"))
	src, err := NewPrometheusSource(prom.srv.URL, WithPrometheusClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	q := promQuery(t0)
	q.FromSince, q.Interval = true, time.Second
	if m, err := src.Measure(context.Background(), q); err != nil || !m.Pending || m.RetryAfter != 30*time.Second {
		t.Fatalf("Measure = %+v, %v; want Pending for 30s more (the 1m minimum range)", m, err)
	}
	now = t0.Add(95*time.Second + 300*time.Millisecond)
	m, err := src.Measure(context.Background(), q)
	if err != nil || m.Pending {
		t.Fatalf("Measure = %+v, %v", m, err)
	}
	if queries, _ := prom.asked(); len(queries) == 0 || !strings.HasSuffix(queries[1], "[1m35s]))") {
		t.Errorf("queries %v, want the 1m35s since Since", queries)
	}
	if m.CanaryDelta.Pods != 2 || m.CanaryDelta.Acquires["timeout"] != 9.5 || m.StableDelta == nil || m.StableDelta.Pods != 1 {
		t.Errorf("deltas %+v / %+v, want the canary's two pods and their counts, and the stable pod", m.CanaryDelta, m.StableDelta)
	}
}
