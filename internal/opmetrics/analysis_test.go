package opmetrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The judges' metrics count checks by judge, check, verdict and dry run, and the
// Compare judge's early failures, shared faults and looks; they go with the instance.
func TestAnalysisMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := New("dev")
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	m.CheckRecorded("shop", "demo", "Compare", "errorRatio", "Fail", false)
	m.CheckRecorded("shop", "demo", "Compare", "errorRatio", "Fail", false)
	m.CheckRecorded("shop", "demo", "Compare", "poolUtilization", "Fail", true)
	m.CheckRecorded("shop", "demo", "Threshold", "acquireWaitP99", "Pass", false)
	m.EarlyFailure("shop", "demo")
	m.SharedFault("shop", "demo")
	m.Sampled("shop", "demo", 3*time.Millisecond)
	m.Sampled("shop", "demo", 40*time.Millisecond)

	want := `
# HELP interviewapi_rollout_analysis_checks_total Checks of recorded analyses, by judge (Compare, Threshold), check (acquireWaitP99, errorRatio, …), verdict (Pass, Fail, Inconclusive) and dry_run (true when the verdict was not acted on).
# TYPE interviewapi_rollout_analysis_checks_total counter
interviewapi_rollout_analysis_checks_total{check="acquireWaitP99",dry_run="false",judge="Threshold",name="demo",namespace="shop",verdict="Pass"} 1
interviewapi_rollout_analysis_checks_total{check="errorRatio",dry_run="false",judge="Compare",name="demo",namespace="shop",verdict="Fail"} 2
interviewapi_rollout_analysis_checks_total{check="poolUtilization",dry_run="true",judge="Compare",name="demo",namespace="shop",verdict="Fail"} 1
# HELP interviewapi_rollout_analysis_early_failures_total Failures the Compare judge decided at a sample, between analyses, and acted on at once.
# TYPE interviewapi_rollout_analysis_early_failures_total counter
interviewapi_rollout_analysis_early_failures_total{name="demo",namespace="shop"} 1
# HELP interviewapi_rollout_analysis_samples_total Looks of the Compare judge at both tracks (one every sampleInterval during a step).
# TYPE interviewapi_rollout_analysis_samples_total counter
interviewapi_rollout_analysis_samples_total{name="demo",namespace="shop"} 2
# HELP interviewapi_rollout_analysis_shared_faults_total Analyses the Compare judge found inconclusive because the stable pods degraded alike (a fault of the environment, not of the canary).
# TYPE interviewapi_rollout_analysis_shared_faults_total counter
interviewapi_rollout_analysis_shared_faults_total{name="demo",namespace="shop"} 1
`
	names := []string{"interviewapi_rollout_analysis_checks_total", "interviewapi_rollout_analysis_early_failures_total",
		"interviewapi_rollout_analysis_samples_total", "interviewapi_rollout_analysis_shared_faults_total"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.analysis.sampleTime); n != 1 {
		t.Errorf("%d sample-duration histograms, want 1", n)
	}
	m.RolloutObserved("hr", "other", 0, 0, true)
	if got := testutil.ToFloat64(m.analysis.early.WithLabelValues("hr", "other")) + testutil.ToFloat64(m.analysis.checks.WithLabelValues("hr", "other", "Compare", "errorRatio", "Fail", "false")); got != 0 {
		t.Errorf("a new instance's series start at %v, want 0", got)
	}
	if n := testutil.CollectAndCount(m.analysis.checks, "interviewapi_rollout_analysis_checks_total"); n != 3+12 {
		t.Errorf("%d check series, want the 3 counted and the 12 a new instance starts at 0", n)
	}
	m.Forget("shop", "demo")
	if n := testutil.CollectAndCount(m.analysis.checks) + testutil.CollectAndCount(m.analysis.sampleTime); n != 12+1 {
		t.Errorf("%d series left after shop/demo was forgotten, want hr/other's 12 checks and 1 histogram", n)
	}
}
