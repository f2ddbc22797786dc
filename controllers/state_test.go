package controllers_test

import (
	"context"
	"testing"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/envtest"
)

// testStateFreed checks that what the operator keeps in memory per instance goes when
// it is no longer needed: the metric source's state when the rollout ends, and the
// source's state and the instance's metric series when the instance is deleted. An
// operator that runs for months over instances that come and go must not grow.
func testStateFreed(t *testing.T, e *envtest.Env) {
	s := newScenario(t, e, "state", nil)
	ns, name := s.key.Namespace, s.key.Name

	startRollout(t, s)
	if !s.source.keeps(ns, name) {
		t.Fatal("the rollout's first step did not ask the source to measure")
	}
	s.patch(t, disableAsync)
	s.converge(t)
	if st := s.get(t).Status; st.Canary != nil || st.Phase != iapiv1alpha1.PhaseHealthy {
		t.Fatalf("after the abort: canary %+v phase %s", st.Canary, st.Phase)
	}
	if s.source.keeps(ns, name) {
		t.Error("the source still keeps the instance's measurements after its rollout ended")
	}

	startRollout(t, s)
	if !s.source.keeps(ns, name) {
		t.Fatal("the second rollout did not ask the source to measure")
	}
	if err := s.e.Client.Delete(context.Background(), s.get(t)); err != nil {
		t.Fatalf("delete the instance: %v", err)
	}
	s.reconcile(t)
	if s.source.keeps(ns, name) {
		t.Error("the source still keeps the measurements of a deleted instance")
	}
	families, err := s.op.metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			var gotNS, gotName string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "namespace":
					gotNS = l.GetValue()
				case "name":
					gotName = l.GetValue()
				}
			}
			if gotNS == ns && gotName == name {
				t.Errorf("series %s of the deleted instance is still exported", f.GetName())
			}
		}
	}
}
