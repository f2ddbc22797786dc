package rollout

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// seen is a Deployment as the reconciler observed it: its revision (nil: absent), spec
// replicas, pods (status.replicas) and available pods, its controller caught up.
type seen struct {
	rev                       *v1alpha1.RevisionStatus
	replicas, pods, available int32
}

func (s seen) state() *DeploymentState {
	if s.rev == nil {
		return nil
	}
	return &DeploymentState{Revision: s.rev.Revision, Replicas: s.replicas, Pods: s.pods, UpdatedReplicas: s.pods,
		ReadyReplicas: s.available, AvailableReplicas: s.available, Generation: 1, ObservedGeneration: 1}
}

// TestDecideTable is the replica maths of one decision, one row each: the status the
// instance carries and what the reconciler observed of its two Deployments, in; the
// pods, weight, surge permission and phase the plan asks for, out. Four replicas,
// steps 25 % / 50 % / 100 %; stable revision sync and canary revision async, both
// with pools of 20+30, so 53 connections a pod (the pool's 50 and the server's 3
// outside it).
func TestDecideTable(t *testing.T) {
	syncRev, asyncRev := revisionOf(), revisionOf(withAsync(true))
	s, c := &syncRev, &asyncRev
	bigStable := revisionOf(withPoolSize(70)) // 70+30+3 = 103 connections a pod
	budget := func(n int32) *int32 { return &n }
	type want struct {
		stable, canary int32 // -1: no canary Deployment
		weight         int32
		stableSurge    bool
		canarySurge    bool
		phase          v1alpha1.Phase
	}
	tests := []struct {
		name string
		// status: the stable and canary revisions in status, the current step, a
		// failed revision held back.
		stStable, stCanary *v1alpha1.RevisionStatus
		step               int32
		failed             string
		// spec: async (the canary revision's) and the connection budget.
		async          bool
		budget         *int32
		stable, canary seen
		stableChanging bool
		want           want
	}{
		{name: "steady: every pod stable", stStable: s, stable: seen{s, 4, 4, 4},
			want: want{4, -1, 0, true, true, v1alpha1.PhaseHealthy}},
		{name: "steady with a budget of exactly the pods: no surge pod", stStable: s, budget: budget(212), stable: seen{s, 4, 4, 4},
			want: want{4, -1, 0, false, true, v1alpha1.PhaseHealthy}},
		{name: "steady, the pass changes the stable template", stStable: s, stable: seen{s, 4, 4, 4}, stableChanging: true,
			want: want{4, -1, 0, true, true, v1alpha1.PhaseProgressing}},
		{name: "steady, a pod not available yet", stStable: s, stable: seen{s, 4, 4, 3},
			want: want{4, -1, 0, true, true, v1alpha1.PhaseProgressing}},
		{name: "step 1 begins: the canary pod starts beside all four stable pods", stStable: s, stCanary: c, async: true, stable: seen{s, 4, 4, 4},
			want: want{4, 1, 25, true, true, v1alpha1.PhaseProgressing}},
		{name: "step 1, canary pod available: the stable track gives one up", stStable: s, stCanary: c, async: true, stable: seen{s, 4, 4, 4}, canary: seen{c, 1, 1, 1},
			want: want{3, 1, 25, true, true, v1alpha1.PhaseProgressing}},
		{name: "step 2 begins: stable keeps its pods until the second canary pod is available", stStable: s, stCanary: c, step: 1, async: true,
			stable: seen{s, 3, 3, 3}, canary: seen{c, 1, 1, 1},
			want: want{3, 2, 50, true, true, v1alpha1.PhaseProgressing}},
		{name: "step 2, both canary pods available", stStable: s, stCanary: c, step: 1, async: true, stable: seen{s, 3, 3, 3}, canary: seen{c, 2, 2, 2},
			want: want{2, 2, 50, true, true, v1alpha1.PhaseProgressing}},
		{name: "step 3 (100%): the canary takes every pod", stStable: s, stCanary: c, step: 2, async: true, stable: seen{s, 2, 2, 2}, canary: seen{c, 2, 2, 2},
			want: want{2, 4, 100, true, true, v1alpha1.PhaseProgressing}},
		{name: "budget 265 = 5 pods: the canary pod fits beside the four stable ones", stStable: s, stCanary: c, async: true, budget: budget(265),
			stable: seen{s, 4, 4, 4},
			want:   want{4, 1, 25, false, false, v1alpha1.PhaseProgressing}},
		{name: "budget 212 = 4 pods: the stable track shrinks to its share first", stStable: s, stCanary: c, async: true, budget: budget(212),
			stable: seen{s, 4, 4, 4},
			want:   want{3, 0, 0, false, false, v1alpha1.PhaseProgressing}},
		{name: "budget 212, the stable pod gone: the canary pod starts", stStable: s, stCanary: c, async: true, budget: budget(212),
			stable: seen{s, 3, 3, 3},
			want:   want{3, 1, 25, false, false, v1alpha1.PhaseProgressing}},
		{name: "budget 212, the stable pod still shutting down: the canary waits", stStable: s, stCanary: c, async: true, budget: budget(212),
			stable: seen{s, 3, 4, 3},
			want:   want{3, 0, 0, false, false, v1alpha1.PhaseProgressing}},
		{name: "a step that cannot fit even once settled holds where it is", stStable: &bigStable, stCanary: c, async: true, budget: budget(265),
			stable: seen{&bigStable, 4, 4, 4},
			want:   want{4, 0, 0, false, false, v1alpha1.PhaseProgressing}},
		{name: "promoted: the canary keeps the pods NAME-stable still lacks", stStable: c, async: true,
			stable: seen{s, 0, 0, 0}, canary: seen{c, 4, 4, 4},
			want: want{4, 4, 0, true, true, v1alpha1.PhaseProgressing}},
		{name: "promoted, NAME-stable has two of its pods: the canary keeps two", stStable: c, async: true,
			stable: seen{c, 4, 2, 2}, canary: seen{c, 4, 4, 4},
			want: want{4, 2, 0, true, true, v1alpha1.PhaseProgressing}},
		{name: "promoted, handover done: the canary is removed", stStable: c, async: true,
			stable: seen{c, 4, 4, 4}, canary: seen{c, 2, 2, 2},
			want: want{4, -1, 0, true, true, v1alpha1.PhaseHealthy}},
		{name: "rolled back: the canary is scaled to 0 and kept while its pods go", stStable: s, failed: asyncRev.Revision, async: true,
			stable: seen{s, 4, 4, 4}, canary: seen{c, 0, 1, 1},
			want: want{4, 0, 0, true, true, v1alpha1.PhaseRolledBack}},
		{name: "rolled back, its pods gone: the canary is removed", stStable: s, failed: asyncRev.Revision, async: true,
			stable: seen{s, 4, 4, 4}, canary: seen{c, 0, 0, 0},
			want: want{4, -1, 0, true, true, v1alpha1.PhaseRolledBack}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := newInstance(withAsync(tt.async), func(in *v1alpha1.InterviewAPI) { in.Spec.Database.MaxServerConnections = tt.budget })
			set := metav1.NewTime(t0.Add(-time.Minute))
			obj.Status = v1alpha1.InterviewAPIStatus{
				Stable: tt.stStable, Canary: tt.stCanary, FailedRevision: tt.failed,
				History: []v1alpha1.HistoryEntry{entry(*tt.stStable, v1alpha1.OutcomeInitial, "first", set)},
			}
			if tt.stCanary != nil {
				step := tt.step
				obj.Status.CurrentStep, obj.Status.StepSetTime = &step, &set
			}
			p := Decide(Input{Instance: obj, Stable: tt.stable.state(), Canary: tt.canary.state(), StableChanging: tt.stableChanging, Now: t0})

			canary, canarySurge := int32(-1), true
			if p.Canary != nil {
				canary, canarySurge = p.Canary.Replicas, p.Canary.Surge
			}
			got := want{p.Stable.Replicas, canary, p.Status.CanaryWeight, p.Stable.Surge, canarySurge, p.Status.Phase}
			if got != tt.want {
				t.Errorf("plan = %+v\nwant   %+v", got, tt.want)
			}
		})
	}
}
