package controllers_test

import (
	"context"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/envtest"
)

// TestControlPlaneFaults breaks the control plane in the middle of a rollout step, on
// an API server of its own whose processes can be restarted with their data: the
// operator must fail the passes it cannot complete, lose nothing the API server had
// stored, and carry the rollout on from where its status says once the control plane
// is back.
func TestControlPlaneFaults(t *testing.T) {
	e := envtest.StartRestartable(t)
	kubectl(t, kubeconfigFile(t, e.Config), "apply", "-k", "config/default")

	t.Run("kube-apiserver restarted during a step", func(t *testing.T) {
		testControlPlaneRestart(t, e, "apiserver-restart", e.StopAPIServer, e.StartAPIServer)
	})
	t.Run("etcd restarted during a step", func(t *testing.T) {
		testControlPlaneRestart(t, e, "etcd-restart", e.StopEtcd, e.StartEtcd)
	})
}

// testControlPlaneRestart stops a control-plane process when step 2 of 3 has one of its
// two analyses passed, lets the second come due and runs a pass while it is down, then
// starts it again. The pass must fail (its status write cannot land), the instance
// must be exactly as it was stored before, and the rollout must go on: the step
// completes with its second analysis, not a repeat of the first, and the canary is
// promoted after the last step.
func testControlPlaneRestart(t *testing.T, e *envtest.Env, ns string, stop, start func() error) {
	s := newScenario(t, e, ns, func(in *iapiv1alpha1.InterviewAPI) {
		in.Spec.Rollout.Steps[1].Pause = &metav1.Duration{Duration: 2 * analysisInterval}
	})
	startRollout(t, s)
	s.tick(analysisInterval)
	s.converge(t) // step 1 passed
	s.tick(analysisInterval)
	s.converge(t) // step 2: one of two analyses passed
	before := s.get(t)
	if st := before.Status; stepOf(st) != 1 || st.PassedAnalyses != 1 {
		t.Fatalf("before the fault: step %d passed %d", stepOf(st), st.PassedAnalyses)
	}
	_, measuredBefore := s.source.snapshot()

	stopAt := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	t.Logf("stopped in %s", time.Since(stopAt).Round(time.Millisecond))
	stopped := true
	t.Cleanup(func() {
		if stopped {
			_ = start()
		}
	})
	s.tick(analysisInterval)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	_, err := s.op.reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: s.key})
	cancel()
	if err == nil {
		t.Error("a pass with the control plane down reported success")
	}
	t.Logf("the pass during the outage: %v", err)

	if err := start(); err != nil {
		t.Fatalf("start again: %v", err)
	}
	stopped = false
	var after *iapiv1alpha1.InterviewAPI
	eventually(t, "the instance readable after the restart", func() error {
		in := &iapiv1alpha1.InterviewAPI{}
		err := e.Client.Get(context.Background(), s.key, in)
		after = in
		return err
	})
	if after.ResourceVersion != before.ResourceVersion || after.Status.PassedAnalyses != before.Status.PassedAnalyses ||
		!after.Status.StepStartTime.Equal(before.Status.StepStartTime) {
		t.Fatalf("the instance changed across the restart: before rv %s status %+v, after rv %s status %+v",
			before.ResourceVersion, before.Status, after.ResourceVersion, after.Status)
	}

	// The step's second analysis completes it: the operator moves to step 3.
	s.converge(t)
	st := s.get(t).Status
	if stepOf(st) != 2 || st.LastAnalysis == nil || st.LastAnalysis.Step != 1 || st.LastAnalysis.Verdict != iapiv1alpha1.VerdictPass {
		t.Fatalf("after the restart: step %d last analysis %+v", stepOf(st), st.LastAnalysis)
	}
	s.wantDeployment(t, "canary", 4, true)
	_, measured := s.source.snapshot()
	for _, q := range measured[len(measuredBefore):] {
		if !q.Since.Equal(before.Status.StepStartTime.Time) {
			t.Errorf("a window of another step was measured after the fault: since %s, step 2 started %s", q.Since, before.Status.StepStartTime)
		}
	}

	s.tick(analysisInterval)
	s.converge(t)
	st = s.get(t).Status
	if st.Phase != iapiv1alpha1.PhaseHealthy || !st.Stable.Async || !slices.Equal(historyOutcomes(st), []string{iapiv1alpha1.OutcomeInitial, iapiv1alpha1.OutcomePromoted}) {
		t.Errorf("after the last step: phase %s stable %+v history %v", st.Phase, st.Stable, historyOutcomes(st))
	}
	s.wantDeployment(t, "stable", 4, true)
	s.wantNoCanary(t)
}
