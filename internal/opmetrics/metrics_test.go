package opmetrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestMetricsExposition(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := New("v1.2.3")
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
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
# HELP interviewapi_operator_reconcile_errors_total Reconcile passes of an InterviewAPI that failed, by the phase that failed (observe, plan, stable, canary, service, pdb, status).
# TYPE interviewapi_operator_reconcile_errors_total counter
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
