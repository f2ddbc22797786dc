//go:build e2e

package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/e2e/framework"
)

// Patches a user applies with `kubectl patch interviewapi NAME --type merge -p …`.
const (
	patchAsyncOn  = `{"spec":{"database":{"async":{"enabled":true}}}}`
	patchAsyncOff = `{"spec":{"database":{"async":{"enabled":false}}}}`
)

// promotion is what a watched rollout from sync to async came to.
type promotion struct {
	patched  time.Time
	promoted time.Time // first seen Healthy on the new revision with no canary
	allPods  time.Time // every pod ready on async, none terminating
	load     framework.Counts
	watcher  *framework.Watcher
}

// rolloutTimeout bounds a whole rollout of QuickRollout (about half a minute when
// healthy) on a busy machine.
const rolloutTimeout = 4 * time.Minute

// enableAsync patches async on under the scenario's load and waits for the rollout to
// be promoted with every pod on async. beforeWait, when set, runs once the patch is
// applied (the operator-restart scenario kills the operator from there).
func (s *scenario) enableAsync(beforeWait func(w *framework.Watcher)) promotion {
	s.t.Helper()
	replicas := int(s.get().Spec.ReplicasOrDefault())
	w := framework.Watch(s.t.Context(), s.env.client, s.key, func(o framework.Observation) {
		s.t.Logf("%s %s", o.Time.Format("15:04:05.000"), framework.StatusLine(o.Instance))
	})
	s.t.Cleanup(w.Stop)
	before := s.load.Counts()
	p := promotion{watcher: w, patched: s.kubectlPatch(patchAsyncOn)}
	if beforeWait != nil {
		beforeWait(w)
	}
	end, err := w.WaitFor(s.t.Context(), rolloutTimeout, "the async revision promoted",
		func(in *iapiv1alpha1.InterviewAPI) (bool, string) {
			failed := in.Status.Phase == iapiv1alpha1.PhaseRolledBack || in.Status.Phase == iapiv1alpha1.PhaseDegraded
			return framework.PromotedToAsync(in) || failed, "not promoted yet"
		})
	if err != nil {
		s.t.Fatal(err)
	}
	if !framework.PromotedToAsync(end.Instance) {
		s.t.Fatalf("the rollout to async failed: %s; %s", framework.StatusLine(end.Instance), conditionMessages(end.Instance))
	}
	p.promoted = end.Time
	s.waitAllPodsOn(replicas, "async", time.Minute)
	p.allPods = time.Now()
	p.load = s.requireNoFailures("load during the rollout to async", before, p.patched)
	s.checkStepsWalked(w)
	return p
}

// checkStepsWalked checks that the rollout went through every step of the spec in
// order, that its analyses never failed, and that history records the promotion.
func (s *scenario) checkStepsWalked(w *framework.Watcher) {
	s.t.Helper()
	in := s.get()
	var weights []int32
	fails := 0
	for _, o := range w.Observations() {
		st := o.Instance.Status
		if st.Canary == nil {
			continue
		}
		if n := len(weights); st.CanaryWeight > 0 && (n == 0 || weights[n-1] != st.CanaryWeight) {
			weights = append(weights, st.CanaryWeight)
		}
		if a := st.LastAnalysis; a != nil && a.Verdict == iapiv1alpha1.VerdictFail {
			fails++
		}
	}
	var want []int32
	for _, step := range in.Spec.Rollout.Steps {
		want = append(want, step.Weight)
	}
	if !slices.Equal(weights, want) {
		s.t.Errorf("canary weights seen in order: %v, want every step once in order: %v", weights, want)
	}
	if fails > 0 {
		s.t.Errorf("%d observations showed a failed analysis during a rollout that was promoted", fails)
	}
	if h := framework.LastHistory(in); h == nil || h.Outcome != iapiv1alpha1.OutcomePromoted || !h.Async {
		s.t.Errorf("last history entry %+v, want the async revision Promoted", h)
	}
}

// requireRollbackExplained checks that a rolled-back instance's status names the failing
// metrics with their values and thresholds (status.lastAnalysis) and that its
// RolledBack condition gives a failing value, and returns the condition.
func requireRollbackExplained(t *testing.T, in *iapiv1alpha1.InterviewAPI) *metav1.Condition {
	t.Helper()
	cond := in.Condition(iapiv1alpha1.ConditionRolledBack)
	if cond == nil || cond.Status != metav1.ConditionTrue || cond.Message == "" {
		t.Fatalf("rolled back without a RolledBack condition saying why: %+v", cond)
	}
	failing := framework.FailingMetrics(in.Status.LastAnalysis)
	if len(failing) == 0 {
		t.Fatalf("the last analysis has no failing metric: %+v", in.Status.LastAnalysis)
	}
	valueGiven := false
	for _, m := range failing {
		if m.Name == "" || m.Value == "" || m.Value == "unknown" || m.Threshold == "" {
			t.Errorf("failing metric without name, value or threshold: %+v", m)
		}
		valueGiven = valueGiven || strings.Contains(cond.Message, m.Value)
		t.Logf("failing metric %s = %s, threshold %s", m.Name, m.Value, m.Threshold)
	}
	if !valueGiven {
		t.Errorf("RolledBack condition %q gives none of the failing values %+v", cond.Message, failing)
	}
	return cond
}

func conditionMessages(in *iapiv1alpha1.InterviewAPI) string {
	var parts []string
	for _, c := range in.Status.Conditions {
		if c.Status == "True" && c.Type != iapiv1alpha1.ConditionAvailable {
			parts = append(parts, fmt.Sprintf("%s/%s: %s", c.Type, c.Reason, c.Message))
		}
	}
	return strings.Join(parts, "; ")
}

// waitPods waits until the instance's pods satisfy cond.
func (s *scenario) waitPods(timeout time.Duration, what string, cond func(framework.Pods) bool) {
	s.t.Helper()
	if err := framework.WaitPods(s.t.Context(), s.env.client, s.key, timeout, what, cond); err != nil {
		s.t.Fatal(err)
	}
}

// waitPromotedPool waits until the stable track runs pool size+overflow with no
// canary and every pod settled; a rollback fails the test.
func (s *scenario) waitPromotedPool(size, overflow int32) {
	s.t.Helper()
	in, err := framework.WaitInstance(s.t.Context(), s.env.client, s.key, rolloutTimeout, fmt.Sprintf("pool %d+%d promoted", size, overflow),
		func(in *iapiv1alpha1.InterviewAPI) (bool, string) {
			st := in.Status
			if st.Phase == iapiv1alpha1.PhaseRolledBack {
				return true, "rolled back"
			}
			p := st.Stable
			return st.Canary == nil && p != nil && p.Pool.SizeOrDefault() == size && p.Pool.MaxOverflowOrDefault() == overflow, "not promoted yet"
		})
	if err != nil {
		s.t.Fatal(err)
	}
	if in.Status.Phase == iapiv1alpha1.PhaseRolledBack {
		s.t.Fatalf("pool %d+%d was rolled back: %s", size, overflow, framework.StatusLine(in))
	}
	s.waitAllPodsOn(int(in.Spec.ReplicasOrDefault()), "sync", 2*time.Minute)
	s.t.Logf("pool %d+%d promoted: %s", size, overflow, framework.StatusLine(in))
}
