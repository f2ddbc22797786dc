package rollout

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// startedCanary is a world whose async canary has started its first step.
func startedCanary(t *testing.T, mutate ...func(*v1alpha1.InterviewAPI)) *world {
	w := newWorld(t, newInstance(mutate...))
	w.setSpec(withAsync(true))
	w.pass() // canary created
	w.pass() // canary ready: the step starts
	if w.obj.Status.StepStartTime == nil {
		t.Fatal("the first step did not start")
	}
	return w
}

func TestFailureLimit(t *testing.T) {
	w := startedCanary(t, func(in *v1alpha1.InterviewAPI) { in.Spec.Rollout.Analysis.FailureLimit = 2 })
	w.advance(30 * time.Second)
	p := w.analyse(v1alpha1.VerdictFail)
	if p.Status.Canary == nil || p.Status.FailedAnalyses != 1 || p.Status.Phase != v1alpha1.PhaseProgressing {
		t.Fatalf("after one failure of two: canary %v failed %d phase %s", p.Status.Canary, p.Status.FailedAnalyses, p.Status.Phase)
	}
	if e := assertEvent(t, p, "Warning", v1alpha1.ReasonAnalysisFailed); !strings.Contains(e.Message, "1 of failureLimit 2") {
		t.Errorf("event %q", e.Message)
	}
	w.advance(30 * time.Second)
	p = w.analyse(v1alpha1.VerdictPass)
	if w.step() != 0 {
		t.Fatalf("a step with a failure and one pass advanced (step %d)", w.step())
	}
	w.advance(30 * time.Second)
	p = w.analyse(v1alpha1.VerdictFail)
	if p.Status.Phase != v1alpha1.PhaseRolledBack || p.Canary.Replicas != 0 {
		t.Fatalf("after the second failure: phase %s canary %s", p.Status.Phase, canaryReplicas(p))
	}
}

func TestOnFailurePauseFreezes(t *testing.T) {
	pause := func(in *v1alpha1.InterviewAPI) { in.Spec.Rollout.OnFailure = v1alpha1.FailurePause }
	w := startedCanary(t, pause)
	w.advance(30 * time.Second)
	p := w.analyse(v1alpha1.VerdictFail)

	if p.Status.Phase != v1alpha1.PhaseDegraded || p.Status.Canary == nil || p.Canary.Replicas != 1 || p.Stable.Replicas != 3 {
		t.Fatalf("phase %s canary %v plan stable %d canary %s, want frozen at 25%%", p.Status.Phase, p.Status.Canary, p.Stable.Replicas, canaryReplicas(p))
	}
	c := conditionOf(p.Status, v1alpha1.ConditionDegraded)
	if c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonAnalysisFailed ||
		!strings.Contains(c.Message, "frozen at step 1/3 (25%) because spec.rollout.onFailure is Pause") || !strings.Contains(c.Message, "250ms") {
		t.Errorf("Degraded %+v", c)
	}
	if p.Status.FailedRevision != "" || p.Metrics.RollbackReason != "" {
		t.Errorf("a frozen rollout was recorded as rolled back: %q %q", p.Status.FailedRevision, p.Metrics.RollbackReason)
	}

	// Frozen: no analysis, no requeue, same pods, whatever time passes.
	w.advance(time.Hour)
	p = w.pass()
	if p.Analysis != nil || p.RequeueAfter != 0 || p.Canary.Replicas != 1 || p.Status.Phase != v1alpha1.PhaseDegraded || w.step() != 0 {
		t.Fatalf("frozen pass: analysis %v requeue %s canary %s phase %s", p.Analysis, p.RequeueAfter, canaryReplicas(p), p.Status.Phase)
	}

	// Retry analyses the step again with fresh counters.
	w.annotate(v1alpha1.AnnotationRetry, "")
	p = w.pass()
	if p.Status.Phase != v1alpha1.PhaseProgressing || p.Status.FailedAnalyses != 0 || p.Analysis == nil {
		t.Fatalf("after retry: phase %s failed %d analysis %v", p.Status.Phase, p.Status.FailedAnalyses, p.Analysis)
	}
	if c := conditionOf(p.Status, v1alpha1.ConditionDegraded); c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.ReasonRetried {
		t.Errorf("Degraded after retry %+v", c)
	}

	// Frozen again, then promoted past it.
	w.advance(30 * time.Second)
	w.analyse(v1alpha1.VerdictFail)
	w.annotate(v1alpha1.AnnotationPromote, "")
	p = w.pass()
	if w.step() != 1 || p.Status.Phase != v1alpha1.PhaseProgressing || p.Canary.Replicas != 2 {
		t.Fatalf("after promote: step %d phase %s canary %s", w.step(), p.Status.Phase, canaryReplicas(p))
	}
}

func TestInconclusiveAnalysesPause(t *testing.T) {
	w := startedCanary(t)
	for i := 0; i < 2; i++ {
		w.advance(30 * time.Second)
		p := w.analyse(v1alpha1.VerdictInconclusive)
		assertEvent(t, p, "Normal", v1alpha1.ReasonAnalysisInconclusive)
	}
	// A pass in between resets the count.
	w.advance(30 * time.Second)
	w.analyse(v1alpha1.VerdictPass)
	if w.obj.Status.ConsecutiveInconclusive != 0 || w.obj.Status.Phase != v1alpha1.PhaseProgressing {
		t.Fatalf("after a pass: %d inconclusive, phase %s", w.obj.Status.ConsecutiveInconclusive, w.obj.Status.Phase)
	}
	var p Plan
	for i := 0; i < 3; i++ {
		w.advance(30 * time.Second)
		p = w.analyse(v1alpha1.VerdictInconclusive)
	}
	if p.Status.Phase != v1alpha1.PhasePaused || p.Status.ConsecutiveInconclusive != 3 || p.Status.Canary == nil || w.step() != 0 {
		t.Fatalf("phase %s inconclusive %d canary %v step %d", p.Status.Phase, p.Status.ConsecutiveInconclusive, p.Status.Canary, w.step())
	}
	c := conditionOf(p.Status, v1alpha1.ConditionDegraded)
	if c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonAnalysisInconclusive || !strings.Contains(c.Message, "fewer than minAcquires") {
		t.Errorf("Degraded %+v", c)
	}
	assertEvent(t, p, "Warning", v1alpha1.ReasonAnalysisInconclusive)
	if p.Analysis != nil || p.RequeueAfter != 0 || p.Canary.Replicas != 1 {
		t.Errorf("paused rollout: analysis %v requeue %s canary %s", p.Analysis, p.RequeueAfter, canaryReplicas(p))
	}
	// An inconclusive rollout is never promoted by the passage of time.
	w.advance(24 * time.Hour)
	if p = w.pass(); w.step() != 0 || p.Status.Phase != v1alpha1.PhasePaused {
		t.Errorf("a day later: step %d phase %s", w.step(), p.Status.Phase)
	}
}

func TestProgressDeadline(t *testing.T) {
	for _, policy := range []v1alpha1.FailurePolicy{v1alpha1.FailureRollback, v1alpha1.FailurePause} {
		t.Run(string(policy), func(t *testing.T) {
			w := newWorld(t, newInstance(func(in *v1alpha1.InterviewAPI) { in.Spec.Rollout.OnFailure = policy }))
			w.settleOnApply = false
			w.setSpec(withAsync(true))
			w.pass()
			// The canary pod never becomes available.
			w.advance(9*time.Minute + 59*time.Second)
			p := w.pass()
			if p.Status.Canary == nil || p.RequeueAfter != time.Second {
				t.Fatalf("just before the deadline: canary %v requeue %s", p.Status.Canary, p.RequeueAfter)
			}
			w.canary.ObservedGeneration = w.canary.Generation
			w.canary.Pods, w.canary.UpdatedReplicas = 1, 1
			w.advance(time.Second)
			p = w.pass()
			msg := "the canary pods of step 1/3 (25%) were not ready within the progress deadline of 10m (0 of 1 available)"
			switch policy {
			case v1alpha1.FailureRollback:
				if p.Status.Phase != v1alpha1.PhaseRolledBack || p.Canary.Replicas != 0 || p.Metrics.RollbackReason != v1alpha1.ReasonProgressDeadline {
					t.Fatalf("phase %s canary %s reason %s", p.Status.Phase, canaryReplicas(p), p.Metrics.RollbackReason)
				}
				if c := conditionOf(p.Status, v1alpha1.ConditionRolledBack); c.Reason != v1alpha1.ReasonProgressDeadline || !strings.Contains(c.Message, msg) {
					t.Errorf("RolledBack %+v", c)
				}
			case v1alpha1.FailurePause:
				if p.Status.Phase != v1alpha1.PhaseDegraded || p.Canary.Replicas != 1 {
					t.Fatalf("phase %s canary %s", p.Status.Phase, canaryReplicas(p))
				}
				if c := conditionOf(p.Status, v1alpha1.ConditionDegraded); c.Reason != v1alpha1.ReasonProgressDeadline || !strings.Contains(c.Message, msg) {
					t.Errorf("Degraded %+v", c)
				}
				assertEvent(t, p, "Warning", v1alpha1.ReasonProgressDeadline)
			}
		})
	}
}
