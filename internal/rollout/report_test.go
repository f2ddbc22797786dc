package rollout

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// deployment is a Deployment of want replicas whose controller reported the given
// counts for the current generation.
func deployment(want, replicas, updated, ready, available int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "interview-stable", Generation: 2},
		Spec:       appsv1.DeploymentSpec{Replicas: ptr.To(want)},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: replicas, UpdatedReplicas: updated,
			ReadyReplicas: ready, AvailableReplicas: available},
	}
}

func TestDeploymentProgress(t *testing.T) {
	unobserved := deployment(2, 2, 2, 2, 2)
	unobserved.Generation = 3
	deadline := deployment(2, 3, 1, 2, 2)
	deadline.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing,
		Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded", Message: "ReplicaSet has timed out progressing."}}
	quota := deployment(2, 0, 0, 0, 0)
	quota.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentReplicaFailure,
		Status: corev1.ConditionTrue, Reason: "FailedCreate", Message: "exceeded quota"}}

	cases := []struct {
		name       string
		d          *appsv1.Deployment
		wantDone   bool
		wantFailed bool
		wantReason string
	}{
		{"absent", nil, false, false, iapiv1alpha1.ReasonRollingUpdate},
		{"change not observed yet", unobserved, false, false, iapiv1alpha1.ReasonRollingUpdate},
		{"pods being updated", deployment(4, 5, 2, 4, 4), false, false, iapiv1alpha1.ReasonRollingUpdate},
		{"old pods terminating", deployment(2, 3, 2, 2, 2), false, false, iapiv1alpha1.ReasonRollingUpdate},
		{"updated pods not available", deployment(2, 2, 2, 1, 1), false, false, iapiv1alpha1.ReasonRollingUpdate},
		{"rolled out", deployment(2, 2, 2, 2, 2), true, false, iapiv1alpha1.ReasonNoRollout},
		{"scaled to zero", deployment(0, 0, 0, 0, 0), true, false, iapiv1alpha1.ReasonNoRollout},
		{"progress deadline exceeded", deadline, false, true, reasonDeploymentStalled},
		{"cannot create pods", quota, false, true, iapiv1alpha1.ReasonReplicaFailure},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := progressOf(Observe(tc.d), "interview-stable")
			if got.done != tc.wantDone || got.failed != tc.wantFailed || got.reason != tc.wantReason || got.message == "" {
				t.Errorf("got %+v, want done=%v failed=%v reason %s with a message", got, tc.wantDone, tc.wantFailed, tc.wantReason)
			}
		})
	}
}

// TestReport: what the pass observed completes the decided status. The cases were
// those of the reconciler's computeStatus, which this replaces; one expectation moved:
// during a canary step with nothing wrong, Degraded keeps the rollout's own False
// reason instead of being overwritten with Reconciled.
func TestReport(t *testing.T) {
	now := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	rev := iapiv1alpha1.NewRevision(false, iapiv1alpha1.PoolSpec{})
	asyncRev := iapiv1alpha1.NewRevision(true, iapiv1alpha1.PoolSpec{Size: 10})
	// steadyStatus is the rollout engine's decision with no rollout running.
	steadyStatus := iapiv1alpha1.InterviewAPIStatus{Stable: &rev, Phase: iapiv1alpha1.PhaseHealthy, Conditions: []metav1.Condition{
		{Type: iapiv1alpha1.ConditionProgressing, Status: metav1.ConditionFalse, Reason: iapiv1alpha1.ReasonNoRollout, Message: "revision runs on the stable track"},
		{Type: iapiv1alpha1.ConditionDegraded, Status: metav1.ConditionFalse, Reason: iapiv1alpha1.ReasonNoRollout, Message: "no rollout is held"},
	}}
	// canaryStatus is the rollout engine's decision in the middle of a step.
	canaryStatus := iapiv1alpha1.InterviewAPIStatus{Stable: &rev, Canary: &asyncRev, Phase: iapiv1alpha1.PhaseProgressing, Conditions: []metav1.Condition{
		{Type: iapiv1alpha1.ConditionProgressing, Status: metav1.ConditionTrue, Reason: iapiv1alpha1.ReasonRolloutStarted, Message: "step 1/3 (25%)"},
		{Type: iapiv1alpha1.ConditionDegraded, Status: metav1.ConditionFalse, Reason: iapiv1alpha1.ReasonRolloutStarted, Message: "rolling out"},
	}}
	heldStatus := *canaryStatus.DeepCopy()
	meta.SetStatusCondition(&heldStatus.Conditions, metav1.Condition{Type: iapiv1alpha1.ConditionDegraded,
		Status: metav1.ConditionTrue, Reason: iapiv1alpha1.ReasonBudgetHeld, Message: "step 1/3 (25%) needs 350"})
	stalled := deployment(3, 3, 1, 3, 3)
	stalled.Status.Conditions = []appsv1.DeploymentCondition{{Type: appsv1.DeploymentProgressing,
		Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded", Message: "ReplicaSet has timed out progressing."}}

	type cond struct {
		status metav1.ConditionStatus
		reason string
	}
	cases := []struct {
		name            string
		decided         iapiv1alpha1.InterviewAPIStatus
		stable, canary  *appsv1.Deployment
		stableChanging  bool
		failure         *Failure
		wantPhase       iapiv1alpha1.Phase
		wantReady       int32
		wantAvailable   metav1.ConditionStatus
		wantProgressing cond
		wantDegraded    cond
	}{
		{name: "all ready", decided: steadyStatus, stable: deployment(3, 3, 3, 3, 3),
			wantPhase: iapiv1alpha1.PhaseHealthy, wantReady: 3, wantAvailable: metav1.ConditionTrue,
			wantProgressing: cond{metav1.ConditionFalse, iapiv1alpha1.ReasonNoRollout}, wantDegraded: cond{metav1.ConditionFalse, iapiv1alpha1.ReasonReconciled}},
		{name: "first pods starting", decided: steadyStatus, stable: deployment(3, 3, 3, 1, 1),
			wantPhase: iapiv1alpha1.PhaseProgressing, wantReady: 1, wantAvailable: metav1.ConditionFalse,
			wantProgressing: cond{metav1.ConditionTrue, iapiv1alpha1.ReasonRollingUpdate}, wantDegraded: cond{metav1.ConditionFalse, iapiv1alpha1.ReasonReconciled}},
		{name: "the pass is about to change the stable Deployment", decided: steadyStatus, stable: deployment(3, 3, 3, 3, 3), stableChanging: true,
			wantPhase: iapiv1alpha1.PhaseProgressing, wantReady: 3, wantAvailable: metav1.ConditionTrue,
			wantProgressing: cond{metav1.ConditionTrue, iapiv1alpha1.ReasonRollingUpdate}, wantDegraded: cond{metav1.ConditionFalse, iapiv1alpha1.ReasonReconciled}},
		{name: "rolled out but a pod is not ready", decided: steadyStatus, stable: deployment(3, 3, 3, 2, 3),
			wantPhase: iapiv1alpha1.PhaseDegraded, wantReady: 2, wantAvailable: metav1.ConditionFalse,
			wantProgressing: cond{metav1.ConditionFalse, iapiv1alpha1.ReasonNoRollout}, wantDegraded: cond{metav1.ConditionTrue, iapiv1alpha1.ReasonReplicasNotReady}},
		{name: "the stable Deployment stalled", decided: steadyStatus, stable: stalled,
			wantPhase: iapiv1alpha1.PhaseDegraded, wantReady: 3, wantAvailable: metav1.ConditionTrue,
			wantProgressing: cond{metav1.ConditionFalse, reasonDeploymentStalled}, wantDegraded: cond{metav1.ConditionTrue, reasonDeploymentStalled}},
		{name: "a phase failed", decided: steadyStatus, stable: deployment(3, 3, 3, 3, 3), failure: &Failure{Reason: iapiv1alpha1.ReasonReconcileFailed, Message: "stable: apply Deployment: forbidden"},
			wantPhase: iapiv1alpha1.PhaseDegraded, wantReady: 3, wantAvailable: metav1.ConditionTrue,
			wantProgressing: cond{metav1.ConditionFalse, iapiv1alpha1.ReasonNoRollout}, wantDegraded: cond{metav1.ConditionTrue, iapiv1alpha1.ReasonReconcileFailed}},
		{name: "name taken", decided: steadyStatus, failure: &Failure{Reason: iapiv1alpha1.ReasonChildNotOwned, Message: "Deployment interview-stable exists and is not controlled by this InterviewAPI"}, stableChanging: true,
			wantPhase: iapiv1alpha1.PhaseDegraded, wantReady: 0, wantAvailable: metav1.ConditionFalse,
			wantProgressing: cond{metav1.ConditionTrue, iapiv1alpha1.ReasonRollingUpdate}, wantDegraded: cond{metav1.ConditionTrue, iapiv1alpha1.ReasonChildNotOwned}},
		{name: "a canary step: phase and Progressing are the rollout's", decided: canaryStatus,
			stable: deployment(3, 3, 3, 3, 3), canary: deployment(1, 1, 1, 0, 0), stableChanging: true,
			wantPhase: iapiv1alpha1.PhaseProgressing, wantReady: 3, wantAvailable: metav1.ConditionTrue,
			wantProgressing: cond{metav1.ConditionTrue, iapiv1alpha1.ReasonRolloutStarted}, wantDegraded: cond{metav1.ConditionFalse, iapiv1alpha1.ReasonRolloutStarted}},
		{name: "a canary step short of ready pods is not degraded", decided: canaryStatus,
			stable: deployment(2, 2, 2, 2, 2), canary: deployment(1, 1, 1, 0, 0),
			wantPhase: iapiv1alpha1.PhaseProgressing, wantReady: 2, wantAvailable: metav1.ConditionFalse,
			wantProgressing: cond{metav1.ConditionTrue, iapiv1alpha1.ReasonRolloutStarted}, wantDegraded: cond{metav1.ConditionFalse, iapiv1alpha1.ReasonRolloutStarted}},
		{name: "a failure during a canary step", decided: canaryStatus, stable: deployment(3, 3, 3, 3, 3), failure: &Failure{Reason: iapiv1alpha1.ReasonReconcileFailed, Message: "canary: apply Deployment: forbidden"},
			wantPhase: iapiv1alpha1.PhaseProgressing, wantReady: 3, wantAvailable: metav1.ConditionTrue,
			wantProgressing: cond{metav1.ConditionTrue, iapiv1alpha1.ReasonRolloutStarted}, wantDegraded: cond{metav1.ConditionTrue, iapiv1alpha1.ReasonReconcileFailed}},
		{name: "a held step keeps the rollout's Degraded", decided: heldStatus, stable: deployment(3, 3, 3, 3, 3), failure: &Failure{Reason: iapiv1alpha1.ReasonReconcileFailed, Message: "pdb: apply: timeout"},
			wantPhase: iapiv1alpha1.PhaseProgressing, wantReady: 3, wantAvailable: metav1.ConditionTrue,
			wantProgressing: cond{metav1.ConditionTrue, iapiv1alpha1.ReasonRolloutStarted}, wantDegraded: cond{metav1.ConditionTrue, iapiv1alpha1.ReasonBudgetHeld}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &iapiv1alpha1.InterviewAPI{
				ObjectMeta: metav1.ObjectMeta{Name: "interview", Generation: 7},
				Spec:       iapiv1alpha1.InterviewAPISpec{Replicas: ptr.To[int32](3)},
			}
			decided := *tc.decided.DeepCopy()
			s := decided.DeepCopy()
			r := reporter{in: Input{Instance: in, Stable: Observe(tc.stable), Canary: Observe(tc.canary), StableChanging: tc.stableChanging, Now: now.Time},
				now: now, st: s, steady: decided.Canary == nil && decided.Phase == iapiv1alpha1.PhaseHealthy}
			r.report(tc.failure)
			if s.Phase != tc.wantPhase || s.ReadyReplicas != tc.wantReady {
				t.Errorf("phase %q ready %d, want %q %d", s.Phase, s.ReadyReplicas, tc.wantPhase, tc.wantReady)
			}
			if s.ObservedGeneration != 7 || s.Selector != "app.kubernetes.io/instance=interview,app.kubernetes.io/name=interviewapi-server" {
				t.Errorf("observed fields: generation %d selector %q", s.ObservedGeneration, s.Selector)
			}
			if c := meta.FindStatusCondition(s.Conditions, iapiv1alpha1.ConditionAvailable); c == nil || c.Status != tc.wantAvailable ||
				c.ObservedGeneration != 7 || !c.LastTransitionTime.Equal(&now) {
				t.Errorf("Available = %+v, want %s at generation 7", c, tc.wantAvailable)
			}
			for condType, want := range map[string]cond{
				iapiv1alpha1.ConditionProgressing: tc.wantProgressing,
				iapiv1alpha1.ConditionDegraded:    tc.wantDegraded,
			} {
				if c := meta.FindStatusCondition(s.Conditions, condType); c == nil || c.Status != want.status || c.Reason != want.reason || c.Message == "" {
					t.Errorf("%s = %+v, want %s/%s with a message", condType, c, want.status, want.reason)
				}
			}
			if !equality.Semantic.DeepEqual(s.Stable, decided.Stable) || !equality.Semantic.DeepEqual(s.Canary, decided.Canary) {
				t.Errorf("the revisions changed: stable %+v canary %+v", s.Stable, s.Canary)
			}
		})
	}
}

// A condition keeps its transition time while its status does not change, so a pass
// that only re-reads the same world computes an identical status (and writes nothing).
func TestReportIsStable(t *testing.T) {
	rev := iapiv1alpha1.NewRevision(false, iapiv1alpha1.PoolSpec{})
	in := &iapiv1alpha1.InterviewAPI{ObjectMeta: metav1.ObjectMeta{Name: "interview", Generation: 1}}
	first := &iapiv1alpha1.InterviewAPIStatus{Stable: &rev, Phase: iapiv1alpha1.PhaseHealthy}
	reporter{in: Input{Instance: in, Stable: Observe(deployment(2, 2, 2, 2, 2))}, now: metav1.NewTime(time.Unix(1000, 0)), st: first, steady: true}.report(nil)
	second := first.DeepCopy()
	reporter{in: Input{Instance: in, Stable: Observe(deployment(2, 2, 2, 2, 2))}, now: metav1.NewTime(time.Unix(2000, 0)), st: second, steady: true}.report(nil)
	for _, c := range second.Conditions {
		if c.LastTransitionTime.Unix() != 1000 {
			t.Errorf("%s moved its transition time to %v without changing", c.Type, c.LastTransitionTime)
		}
	}
	if !equality.Semantic.DeepEqual(first, second) {
		t.Errorf("a second pass over the same world changed the status:\n%+v\n%+v", first, second)
	}
}
