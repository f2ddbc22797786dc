package controllers

import (
	"errors"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
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

func TestDeploymentRollout(t *testing.T) {
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
		{"progress deadline exceeded", deadline, false, true, iapiv1alpha1.ReasonProgressDeadline},
		{"cannot create pods", quota, false, true, iapiv1alpha1.ReasonReplicaFailure},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := deploymentRollout(tc.d, "interview-stable")
			if got.Done != tc.wantDone || got.Failed != tc.wantFailed || got.Reason != tc.wantReason || got.Message == "" {
				t.Errorf("got %+v, want done=%v failed=%v reason %s with a message", got, tc.wantDone, tc.wantFailed, tc.wantReason)
			}
		})
	}
}

func TestComputeStatus(t *testing.T) {
	now := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	rev := iapiv1alpha1.NewRevision(false, iapiv1alpha1.PoolSpec{})
	asyncRev := iapiv1alpha1.NewRevision(true, iapiv1alpha1.PoolSpec{Size: 10})
	type conds struct{ available, progressing, degraded metav1.ConditionStatus }
	cases := []struct {
		name         string
		stable       *appsv1.Deployment
		canary       *iapiv1alpha1.RevisionStatus
		err          error
		wantPhase    iapiv1alpha1.Phase
		wantReady    int32
		wantMode     string
		wantConds    conds
		wantDegraded string
	}{
		{"all ready", deployment(3, 3, 3, 3, 3), nil, nil, iapiv1alpha1.PhaseHealthy, 3, "sync",
			conds{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionFalse}, iapiv1alpha1.ReasonReconciled},
		{"first pods starting", deployment(3, 3, 3, 1, 1), nil, nil, iapiv1alpha1.PhaseProgressing, 1, "sync",
			conds{metav1.ConditionFalse, metav1.ConditionTrue, metav1.ConditionFalse}, iapiv1alpha1.ReasonReconciled},
		{"rolled out but a pod is not ready", deployment(3, 3, 3, 2, 3), nil, nil, iapiv1alpha1.PhaseDegraded, 2, "sync",
			conds{metav1.ConditionFalse, metav1.ConditionFalse, metav1.ConditionTrue}, iapiv1alpha1.ReasonReplicasNotReady},
		{"a phase failed", deployment(3, 3, 3, 3, 3), nil, errors.New("stable: apply Deployment: forbidden"), iapiv1alpha1.PhaseDegraded, 3, "sync",
			conds{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionTrue}, iapiv1alpha1.ReasonReconcileFailed},
		{"name taken", nil, nil, &notOwnedError{kind: "Deployment", name: "interview-stable"}, iapiv1alpha1.PhaseDegraded, 0, "sync",
			conds{metav1.ConditionFalse, metav1.ConditionTrue, metav1.ConditionTrue}, iapiv1alpha1.ReasonChildNotOwned},
		{"canary of another mode", deployment(3, 3, 3, 3, 3), &asyncRev, nil, "", 3, "sync→async",
			conds{metav1.ConditionTrue, "", metav1.ConditionFalse}, iapiv1alpha1.ReasonReconciled},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &iapiv1alpha1.InterviewAPI{
				ObjectMeta: metav1.ObjectMeta{Name: "interview", Generation: 7},
				Spec:       iapiv1alpha1.InterviewAPISpec{Replicas: ptr.To[int32](3)},
			}
			p := &pass{instance: in, now: now, stable: tc.stable,
				status: iapiv1alpha1.InterviewAPIStatus{Stable: &rev, Canary: tc.canary}}
			computeStatus(p, tc.err)
			s := p.status
			if s.Phase != tc.wantPhase || s.ReadyReplicas != tc.wantReady || s.Mode != tc.wantMode {
				t.Errorf("phase %q ready %d mode %q, want %q %d %q", s.Phase, s.ReadyReplicas, s.Mode, tc.wantPhase, tc.wantReady, tc.wantMode)
			}
			if s.ObservedGeneration != 7 || s.Pool != "20+30/30s/1h" ||
				s.Selector != "app.kubernetes.io/instance=interview,app.kubernetes.io/name=interviewapi-server" {
				t.Errorf("observed fields: generation %d pool %q selector %q", s.ObservedGeneration, s.Pool, s.Selector)
			}
			for condType, want := range map[string]metav1.ConditionStatus{
				iapiv1alpha1.ConditionAvailable:   tc.wantConds.available,
				iapiv1alpha1.ConditionProgressing: tc.wantConds.progressing,
				iapiv1alpha1.ConditionDegraded:    tc.wantConds.degraded,
				iapiv1alpha1.ConditionRolledBack:  metav1.ConditionFalse,
			} {
				c := meta.FindStatusCondition(s.Conditions, condType)
				switch {
				case want == "" && c != nil:
					t.Errorf("%s set to %s while a canary runs: it belongs to the rollout engine", condType, c.Status)
				case want != "" && (c == nil || c.Status != want || c.ObservedGeneration != 7 || !c.LastTransitionTime.Equal(&now)):
					t.Errorf("%s = %+v, want %s at generation 7", condType, c, want)
				}
			}
			if c := meta.FindStatusCondition(s.Conditions, iapiv1alpha1.ConditionDegraded); c == nil || c.Reason != tc.wantDegraded {
				t.Errorf("Degraded %+v, want reason %s", c, tc.wantDegraded)
			}
		})
	}
}

// A condition keeps its transition time while its status does not change, so a pass
// that only re-reads the same world computes an identical status (and writes nothing).
func TestComputeStatusIsStable(t *testing.T) {
	rev := iapiv1alpha1.NewRevision(false, iapiv1alpha1.PoolSpec{})
	in := &iapiv1alpha1.InterviewAPI{ObjectMeta: metav1.ObjectMeta{Name: "interview", Generation: 1}}
	first := &pass{instance: in, stable: deployment(2, 2, 2, 2, 2), now: metav1.NewTime(time.Unix(1000, 0)),
		status: iapiv1alpha1.InterviewAPIStatus{Stable: &rev}}
	computeStatus(first, nil)
	second := &pass{instance: in, stable: deployment(2, 2, 2, 2, 2), now: metav1.NewTime(time.Unix(2000, 0)),
		status: *first.status.DeepCopy()}
	computeStatus(second, nil)
	for _, c := range second.status.Conditions {
		if c.LastTransitionTime.Unix() != 1000 {
			t.Errorf("%s moved its transition time to %v without changing", c.Type, c.LastTransitionTime)
		}
	}
}

func TestAppendHistoryKeepsTheNewest(t *testing.T) {
	var h []iapiv1alpha1.HistoryEntry
	for i := range iapiv1alpha1.MaxHistory + 5 {
		h = appendHistory(h, iapiv1alpha1.HistoryEntry{Revision: string(rune('a' + i))})
	}
	if len(h) != iapiv1alpha1.MaxHistory {
		t.Fatalf("%d entries, want %d", len(h), iapiv1alpha1.MaxHistory)
	}
	if h[0].Revision != string(rune('a'+5)) || h[len(h)-1].Revision != string(rune('a'+iapiv1alpha1.MaxHistory+4)) {
		t.Errorf("kept %s..%s, want the newest", h[0].Revision, h[len(h)-1].Revision)
	}
}
