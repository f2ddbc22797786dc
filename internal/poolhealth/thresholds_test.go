package poolhealth

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/metricnames"
)

// criteria are the CRD defaults.
var criteria = CriteriaFor(v1alpha1.AnalysisSpec{}, "async")

// healthy are the measures of a canary well within the default criteria.
func healthy() Measures {
	return Measures{
		Pods: 2, Window: 30 * time.Second,
		Acquires:       known(500),
		AcquireWaitP99: known(0.004), WaitResolution: 0.0005,
		Utilization:  known(0.3),
		TimeoutRatio: known(0),
		ErrorRatio:   known(0.001),
		Modes:        map[string]int{"async": 2},
	}
}

func stableWith(acquires, p99 float64) *Measures {
	m := healthy()
	m.Acquires = known(acquires)
	m.AcquireWaitP99 = known(p99)
	m.Modes = map[string]int{"sync": 2}
	return &m
}

func TestCriteriaFor(t *testing.T) {
	if criteria.MinAcquires != 20 || criteria.MaxAcquireWaitP99 != 100*time.Millisecond || criteria.MaxPoolUtilization != 0.9 ||
		criteria.MaxAcquireTimeoutRatio != 0.01 || criteria.MaxErrorRatio != 0.02 || criteria.MaxP99VsStable != 2 || criteria.Mode != "async" {
		t.Errorf("defaults = %+v", criteria)
	}
	zero := int32(0)
	c := CriteriaFor(v1alpha1.AnalysisSpec{
		MinAcquires: &zero,
		Thresholds: v1alpha1.ThresholdsSpec{
			MaxAcquireWaitP99:      &metav1.Duration{Duration: 250 * time.Millisecond},
			MaxPoolUtilization:     "0.75",
			MaxAcquireTimeoutRatio: "0",
			MaxErrorRatio:          "0.5",
			MaxP99VsStable:         "0",
		},
	}, "")
	want := Criteria{MaxAcquireWaitP99: 250 * time.Millisecond, MaxPoolUtilization: 0.75, MaxErrorRatio: 0.5}
	if c != want {
		t.Errorf("CriteriaFor = %+v, want %+v", c, want)
	}
}

func TestJudgeThresholds(t *testing.T) {
	tests := []struct {
		name        string
		canary      func(*Measures)
		stable      *Measures
		criteria    func(*Criteria)
		verdict     string
		message     []string
		metric      string // a check whose verdict is asserted
		metricWant  string
		absentCheck string
	}{
		{name: "healthy canary passes", verdict: v1alpha1.VerdictPass, message: []string{"within every threshold", "500 acquires from 2 pods"},
			metric: CheckAcquireWaitP99, metricWant: v1alpha1.VerdictPass},
		{name: "p99 above threshold", canary: func(m *Measures) { m.AcquireWaitP99 = known(0.25) },
			verdict: v1alpha1.VerdictFail, message: []string{"acquireWaitP99 250ms is above the threshold 100ms"}, metric: CheckAcquireWaitP99, metricWant: v1alpha1.VerdictFail},
		{name: "utilisation above threshold", canary: func(m *Measures) { m.Utilization = known(0.95) },
			verdict: v1alpha1.VerdictFail, message: []string{"poolUtilization 0.95 is above the threshold 0.9"}, metric: CheckPoolUtilization, metricWant: v1alpha1.VerdictFail},
		{name: "timeout ratio above threshold", canary: func(m *Measures) { m.TimeoutRatio = known(0.05) },
			verdict: v1alpha1.VerdictFail, message: []string{"acquireTimeoutRatio 0.05 is above the threshold 0.01"}, metric: CheckAcquireTimeoutRatio, metricWant: v1alpha1.VerdictFail},
		{name: "error ratio above threshold", canary: func(m *Measures) { m.ErrorRatio = known(0.1) },
			verdict: v1alpha1.VerdictFail, message: []string{"errorRatio 0.1 is above the threshold 0.02"}, metric: CheckErrorRatio, metricWant: v1alpha1.VerdictFail},
		{name: "two failures are both named", canary: func(m *Measures) { m.ErrorRatio = known(0.1); m.Utilization = known(1) },
			verdict: v1alpha1.VerdictFail, message: []string{"poolUtilization 1 is above", "errorRatio 0.1 is above"}},
		{name: "values exactly at their thresholds pass", canary: func(m *Measures) {
			m.AcquireWaitP99 = known(0.1)
			m.Utilization = known(0.9)
			m.TimeoutRatio = known(0.01)
			m.ErrorRatio = known(0.02)
			m.Acquires = known(20)
		}, verdict: v1alpha1.VerdictPass},
		{name: "fewer than minAcquires is inconclusive even with failing values", canary: func(m *Measures) {
			m.Acquires = known(19)
			m.AcquireWaitP99 = known(5)
		}, verdict: v1alpha1.VerdictInconclusive, message: []string{"19 connection acquires in 30s, fewer than minAcquires 20"},
			metric: CheckAcquireWaitP99, metricWant: v1alpha1.VerdictInconclusive},
		{name: "zero acquires with minAcquires 0 is still inconclusive", canary: func(m *Measures) {
			m.Acquires = known(0)
			m.AcquireWaitP99 = unknown("no acquire waits were observed in 30s")
			m.TimeoutRatio = unknown("no connection acquires in 30s")
		}, criteria: func(c *Criteria) { c.MinAcquires = 0 }, verdict: v1alpha1.VerdictInconclusive, message: []string{"no acquire waits"}},
		{name: "no acquire count is inconclusive", canary: func(m *Measures) { m.Acquires = unknown("%s is not reported for every pod", metricnames.PoolAcquires) },
			verdict: v1alpha1.VerdictInconclusive, message: []string{"no acquire count", metricnames.PoolAcquires}},
		{name: "missing metric is inconclusive", canary: func(m *Measures) { m.Utilization = missing(metricnames.PoolAcquiredSeconds) },
			verdict: v1alpha1.VerdictInconclusive, message: []string{"poolUtilization", metricnames.PoolAcquiredSeconds}, metric: CheckPoolUtilization, metricWant: v1alpha1.VerdictInconclusive},
		{name: "missing metric does not hide a failure", canary: func(m *Measures) { m.Utilization = missing(metricnames.PoolAcquiredSeconds); m.ErrorRatio = known(0.5) },
			verdict: v1alpha1.VerdictFail, message: []string{"errorRatio 0.5"}},
		{name: "a pod that was not measured makes it inconclusive", canary: func(m *Measures) { m.Gaps = []string{"pod c-1: scrape: connection refused"} },
			verdict: v1alpha1.VerdictInconclusive, message: []string{"incomplete", "connection refused"}},
		{name: "canary p99 over twice the stable p99 fails", stable: stableWith(500, 0.002), canary: func(m *Measures) { m.AcquireWaitP99 = known(0.005) },
			verdict: v1alpha1.VerdictFail, message: []string{"acquireWaitP99VsStable: acquire-wait p99 5ms is more than 2 times the stable pods' 2ms (limit 4ms)"}, metric: CheckP99VsStable, metricWant: v1alpha1.VerdictFail},
		{name: "canary p99 exactly twice the stable p99 passes", stable: stableWith(500, 0.002),
			canary: func(m *Measures) { m.AcquireWaitP99 = known(0.004) }, verdict: v1alpha1.VerdictPass, metric: CheckP99VsStable, metricWant: v1alpha1.VerdictPass},
		{name: "stable with too few acquires skips the comparison", stable: stableWith(19, 0.0001),
			verdict: v1alpha1.VerdictPass, absentCheck: CheckP99VsStable},
		{name: "incompletely measured stable skips the comparison", stable: func() *Measures { s := stableWith(500, 0.0001); s.Gaps = []string{"x"}; return s }(),
			verdict: v1alpha1.VerdictPass, absentCheck: CheckP99VsStable},
		{name: "comparison turned off", stable: stableWith(500, 0.0001), criteria: func(c *Criteria) { c.MaxP99VsStable = 0 },
			verdict: v1alpha1.VerdictPass, absentCheck: CheckP99VsStable},
		{name: "canary p99 under a millisecond is not compared", stable: stableWith(500, 0.000099),
			canary: func(m *Measures) { m.AcquireWaitP99 = known(0.00075) }, verdict: v1alpha1.VerdictPass, metric: CheckP99VsStable, metricWant: v1alpha1.VerdictPass},
		{name: "canary p99 over a millisecond and twice a sub-millisecond stable p99 fails", stable: stableWith(500, 0.000099),
			canary: func(m *Measures) { m.AcquireWaitP99 = known(0.0015) }, verdict: v1alpha1.VerdictFail, metric: CheckP99VsStable, metricWant: v1alpha1.VerdictFail},
		{name: "canary p99 inside the lowest bucket is not compared", stable: stableWith(500, 0.0001),
			canary: func(m *Measures) { m.AcquireWaitP99 = known(0.0004) }, verdict: v1alpha1.VerdictPass, metric: CheckP99VsStable, metricWant: v1alpha1.VerdictPass},
		{name: "canary pods in the wrong mode is inconclusive", canary: func(m *Measures) { m.Modes = map[string]int{"sync": 2} },
			verdict: v1alpha1.VerdictInconclusive, message: []string{"canary pods report sync:2, the canary revision runs async"}, metric: CheckMode, metricWant: v1alpha1.VerdictInconclusive},
		{name: "mixed modes is inconclusive", canary: func(m *Measures) { m.Modes = map[string]int{"sync": 1, "async": 1} },
			verdict: v1alpha1.VerdictInconclusive, message: []string{"async:1,sync:1"}},
		{name: "mode not reported is inconclusive", canary: func(m *Measures) { m.Modes = nil },
			verdict: v1alpha1.VerdictInconclusive, message: []string{metricnames.Mode}},
		{name: "no expected mode skips the mode check", canary: func(m *Measures) { m.Modes = nil }, criteria: func(c *Criteria) { c.Mode = "" },
			verdict: v1alpha1.VerdictPass, absentCheck: CheckMode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			canary, c := healthy(), criteria
			if tt.canary != nil {
				tt.canary(&canary)
			}
			if tt.criteria != nil {
				tt.criteria(&c)
			}
			got := JudgeThresholds(canary, tt.stable, c)
			if got.Verdict != tt.verdict {
				t.Errorf("verdict = %s (%s), want %s", got.Verdict, got.Message, tt.verdict)
			}
			for _, part := range tt.message {
				if !strings.Contains(got.Message, part) {
					t.Errorf("message %q does not contain %q", got.Message, part)
				}
			}
			if tt.metric != "" {
				mr, ok := findMetric(got.Metrics, tt.metric)
				if !ok || mr.Verdict != tt.metricWant {
					t.Errorf("check %s = %+v (found %v), want verdict %s", tt.metric, mr, ok, tt.metricWant)
				}
			}
			if tt.absentCheck != "" {
				if mr, ok := findMetric(got.Metrics, tt.absentCheck); ok {
					t.Errorf("check %s present (%+v), want it left out", tt.absentCheck, mr)
				}
			}
		})
	}
}

func TestJudgeThresholdsMetricsTable(t *testing.T) {
	canary := healthy()
	canary.AcquireWaitP99 = known(0.25)
	got := JudgeThresholds(canary, stableWith(500, 0.05), criteria)
	want := []v1alpha1.MetricResult{
		{Name: CheckAcquires, Value: "500", Threshold: ">= 20", Verdict: v1alpha1.VerdictPass},
		{Name: CheckAcquireWaitP99, Value: "250ms", Threshold: "<= 100ms", Verdict: v1alpha1.VerdictFail},
		{Name: CheckPoolUtilization, Value: "0.3", Threshold: "<= 0.9", Verdict: v1alpha1.VerdictPass},
		{Name: CheckAcquireTimeoutRatio, Value: "0", Threshold: "<= 0.01", Verdict: v1alpha1.VerdictPass},
		{Name: CheckErrorRatio, Value: "0.001", Threshold: "<= 0.02", Verdict: v1alpha1.VerdictPass},
		{Name: CheckP99VsStable, Value: "250ms", Threshold: "<= 2 x stable 50ms = 100ms", Verdict: v1alpha1.VerdictFail},
		{Name: CheckMode, Value: "async", Threshold: "async", Verdict: v1alpha1.VerdictPass},
	}
	if len(got.Metrics) != len(want) {
		t.Fatalf("got %d metrics %+v, want %d", len(got.Metrics), got.Metrics, len(want))
	}
	for i := range want {
		if got.Metrics[i] != want[i] {
			t.Errorf("metric %d = %+v, want %+v", i, got.Metrics[i], want[i])
		}
	}
}

func findMetric(ms []v1alpha1.MetricResult, name string) (v1alpha1.MetricResult, bool) {
	for _, m := range ms {
		if m.Name == name {
			return m, true
		}
	}
	return v1alpha1.MetricResult{}, false
}

func TestRelativeThresholdShowsTheNoiseFloor(t *testing.T) {
	canary := healthy()
	canary.AcquireWaitP99 = known(0.0015)
	got, ok := findMetric(JudgeThresholds(canary, stableWith(500, 0.0001), criteria).Metrics, CheckP99VsStable)
	want := v1alpha1.MetricResult{Name: CheckP99VsStable, Value: "1.5ms", Threshold: "<= 2 x stable 100µs, at least 1ms", Verdict: v1alpha1.VerdictFail}
	if !ok || got != want {
		t.Errorf("relative check = %+v (found %v), want %+v", got, ok, want)
	}
}

func TestMessagesRoundTheMeasuredWindow(t *testing.T) {
	canary := healthy()
	canary.Window = 5031007279 * time.Nanosecond
	if got := JudgeThresholds(canary, nil, criteria); !strings.Contains(got.Message, "over 5.03s:") {
		t.Errorf("message %q, want the window written as 5.03s", got.Message)
	}
	canary.Acquires = known(3)
	if got := JudgeThresholds(canary, nil, criteria); !strings.Contains(got.Message, "3 connection acquires in 5.03s,") {
		t.Errorf("message %q, want the window written as 5.03s", got.Message)
	}
}

func TestFormatSecondsRoundsToWholeNanoseconds(t *testing.T) {
	for v, want := range map[float64]string{0.000502: "502µs", 0.0000996: "99.6µs", 0.0288: "28.8ms", 1.5: "1.5s"} {
		if got := formatSeconds(v); got != want {
			t.Errorf("formatSeconds(%g) = %s, want %s", v, got, want)
		}
	}
}
