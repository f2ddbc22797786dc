package opmetrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetricsExposition(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := New("v1.2.3")
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	m.ReconcilePhases("plan", "stable")
	m.ReconcileError("stable")
	m.ReconcileError("stable")
	m.ReconcileError("status")
	m.ChildApplied("Deployment")
	m.ChildDeleted("Deployment")
	m.StatusUpdated()

	want := `
# HELP interviewapi_operator_build_info Always 1; the version label is the running operator's version.
# TYPE interviewapi_operator_build_info gauge
interviewapi_operator_build_info{version="v1.2.3"} 1
# HELP interviewapi_operator_children_applied_total Server-side applies of owned objects that changed them, by kind. A steady state applies nothing.
# TYPE interviewapi_operator_children_applied_total counter
interviewapi_operator_children_applied_total{kind="Deployment"} 1
# HELP interviewapi_operator_children_deleted_total Owned objects the operator deleted, by kind.
# TYPE interviewapi_operator_children_deleted_total counter
interviewapi_operator_children_deleted_total{kind="Deployment"} 1
# HELP interviewapi_operator_notifications_queued Decisions waiting in the operator's notification queue, all instances together.
# TYPE interviewapi_operator_notifications_queued gauge
interviewapi_operator_notifications_queued 0
# HELP interviewapi_operator_reconcile_errors_total Reconcile passes of an InterviewAPI that failed, by the phase that failed (observe, plan, status, canary, stable, service, pdb).
# TYPE interviewapi_operator_reconcile_errors_total counter
interviewapi_operator_reconcile_errors_total{phase="plan"} 0
interviewapi_operator_reconcile_errors_total{phase="stable"} 2
interviewapi_operator_reconcile_errors_total{phase="status"} 1
# HELP interviewapi_operator_status_updates_total Writes of an InterviewAPI's status; a pass that changes nothing writes none.
# TYPE interviewapi_operator_status_updates_total counter
interviewapi_operator_status_updates_total 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Error(err)
	}
	for _, name := range []string{"interviewapi_operator_build_info", "interviewapi_operator_reconcile_errors_total"} {
		problems, err := testutil.GatherAndLint(reg, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("lint %s: %s", p.Metric, p.Text)
		}
	}
}

// A second registration in the same registry is an error, not a silent duplicate.
func TestRegisterTwiceFails(t *testing.T) {
	reg := prometheus.NewRegistry()
	if err := New("dev").Register(reg); err != nil {
		t.Fatal(err)
	}
	if err := New("dev").Register(reg); err == nil {
		t.Error("registering the metrics twice succeeded")
	}
}

// An instance's rollout series exist from its first pass with a canary, counters at 0,
// so that increase() sees the first rollback; they go when the instance goes.
func TestRolloutMetrics(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := New("dev")
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	m.RolloutObserved("shop", "demo", 1, 25, true)
	m.RolloutObserved("hr", "other", 0, 0, true)
	m.AnalysisRecorded("shop", "demo", "Pass")
	m.AnalysisRecorded("shop", "demo", "Fail")
	m.RolledBack("shop", "demo", "AnalysisFailed")
	m.Promoted("hr", "other")
	m.StepCompleted("shop", "demo", 90*time.Second)
	m.RolloutObserved("shop", "demo", 4, 0, false)

	want := `
# HELP interviewapi_rollout_analysis_total Canary analyses recorded, by verdict (Pass, Fail, Inconclusive).
# TYPE interviewapi_rollout_analysis_total counter
interviewapi_rollout_analysis_total{name="demo",namespace="shop",verdict="Fail"} 1
interviewapi_rollout_analysis_total{name="demo",namespace="shop",verdict="Inconclusive"} 0
interviewapi_rollout_analysis_total{name="demo",namespace="shop",verdict="Pass"} 1
interviewapi_rollout_analysis_total{name="other",namespace="hr",verdict="Fail"} 0
interviewapi_rollout_analysis_total{name="other",namespace="hr",verdict="Inconclusive"} 0
interviewapi_rollout_analysis_total{name="other",namespace="hr",verdict="Pass"} 0
# HELP interviewapi_rollout_canary_weight Share of an InterviewAPI's server pods that run the canary revision, in percent (status.canaryWeight).
# TYPE interviewapi_rollout_canary_weight gauge
interviewapi_rollout_canary_weight{name="demo",namespace="shop"} 0
interviewapi_rollout_canary_weight{name="other",namespace="hr"} 0
# HELP interviewapi_rollout_phase Phase of an InterviewAPI: 0 Healthy, 1 Progressing, 2 Paused, 3 Degraded, 4 RolledBack (-1 before the first pass).
# TYPE interviewapi_rollout_phase gauge
interviewapi_rollout_phase{name="demo",namespace="shop"} 4
interviewapi_rollout_phase{name="other",namespace="hr"} 0
# HELP interviewapi_rollout_promotions_total Revisions promoted to the stable track after their rollout (or applied directly when there are no pods to analyse).
# TYPE interviewapi_rollout_promotions_total counter
interviewapi_rollout_promotions_total{name="demo",namespace="shop"} 0
interviewapi_rollout_promotions_total{name="other",namespace="hr"} 1
`
	names := []string{"interviewapi_rollout_analysis_total", "interviewapi_rollout_canary_weight", "interviewapi_rollout_phase", "interviewapi_rollout_promotions_total"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	rollbacks := map[string]float64{"AnalysisFailed": 1, "ProgressDeadlineExceeded": 0, "Aborted": 0, "FastRollback": 0}
	for reason, v := range rollbacks {
		if got := testutil.ToFloat64(m.rollout.rollbacks.WithLabelValues("shop", "demo", reason)); got != v {
			t.Errorf("rollbacks{reason=%q} = %v, want %v", reason, got, v)
		}
	}
	if n := testutil.CollectAndCount(m.rollout.stepDuration); n != 2 {
		t.Errorf("%d step-duration histograms, want one per instance", n)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint %s: %s", p.Metric, p.Text)
	}

	m.Forget("shop", "demo")
	left := map[string]int{ // hr/other's series
		"interviewapi_rollout_analysis_total":        3,
		"interviewapi_rollout_canary_weight":         1,
		"interviewapi_rollout_phase":                 1,
		"interviewapi_rollout_promotions_total":      1,
		"interviewapi_rollout_rollbacks_total":       4,
		"interviewapi_rollout_step_duration_seconds": 1,
	}
	for name, want := range left {
		if n, err := testutil.GatherAndCount(reg, name); err != nil || n != want {
			t.Errorf("%s: %d series after forgetting shop/demo (%v), want %d", name, n, err, want)
		}
	}
}

// An instance that has never had a canary has its phase and weight and nothing else:
// its rollout and analysis series are created by its first rollout.
func TestSeriesOfAnInstanceThatNeverRolled(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := New("dev")
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	perInstance := func() int {
		t.Helper()
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, f := range families {
			for _, s := range f.GetMetric() {
				for _, l := range s.GetLabel() {
					if l.GetName() == "name" && l.GetValue() == "idle" {
						n++
					}
				}
			}
		}
		return n
	}
	m.RolloutObserved("shop", "idle", 0, 0, false)
	m.RolloutObserved("shop", "idle", 0, 0, false)
	if n := perInstance(); n != 2 {
		t.Errorf("an instance that never rolled out has %d series, want 2 (phase, canary weight)", n)
	}
	m.RolloutObserved("shop", "idle", 1, 25, true)
	n := perInstance()
	if n <= 2 {
		t.Errorf("a rolling instance has %d series, want its rollout and analysis series too", n)
	}
	m.RolloutObserved("shop", "idle", 0, 0, false)
	if got := testutil.ToFloat64(m.rollout.promotions.WithLabelValues("shop", "idle")); got != 0 {
		t.Errorf("promotions after the rollout = %v, want 0 (the series stays)", got)
	}
}
