package rollout

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

func TestFirstRevisionRunsOnStableAtOnce(t *testing.T) {
	obj := newInstance()
	p := Decide(Input{Instance: obj, Now: t0.Add(123 * time.Millisecond)})

	want := obj.Spec.DesiredRevision()
	if p.Status.Stable == nil || p.Status.Stable.Revision != want.Revision || p.Status.Canary != nil {
		t.Fatalf("stable %v canary %v, want stable %s and no canary", p.Status.Stable, p.Status.Canary, want.Revision)
	}
	if p.Stable.Revision.Revision != want.Revision || p.Stable.Replicas != 4 || p.Canary != nil {
		t.Errorf("plan stable %d×%s canary %s, want 4×%s and none", p.Stable.Replicas, p.Stable.Revision.Revision, canaryReplicas(p), want.Revision)
	}
	// No Deployment exists yet, so the phase is Progressing until NAME-stable has its
	// pods (the status the operator writes in this pass, as the envtest checks).
	if p.Status.Phase != v1alpha1.PhaseProgressing || p.Status.Mode != "sync" || p.Status.Pool != "20+30/30s/1h" || p.Status.ObservedGeneration != 1 {
		t.Errorf("phase %s mode %s pool %s observedGeneration %d", p.Status.Phase, p.Status.Mode, p.Status.Pool, p.Status.ObservedGeneration)
	}
	assertOutcomes(t, p.Status, v1alpha1.OutcomeInitial)
	if got := p.Status.History[0].Time.Time; !got.Equal(t0) {
		t.Errorf("history time %s, want %s truncated to the second", got, t0)
	}
	assertEvent(t, p, "Normal", v1alpha1.ReasonInitialRevision)
	for _, typ := range []string{v1alpha1.ConditionDegraded, v1alpha1.ConditionRolledBack} {
		if c := conditionOf(p.Status, typ); c.Status != metav1.ConditionFalse {
			t.Errorf("condition %s = %+v, want False", typ, c)
		}
	}
	if c := conditionOf(p.Status, v1alpha1.ConditionProgressing); c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonRollingUpdate ||
		c.Message != "Deployment demo-stable is not created yet" {
		t.Errorf("Progressing = %+v, want True: the stable Deployment is not created yet", c)
	}
	if p.Analysis != nil || p.RequeueAfter != 0 {
		t.Errorf("analysis %v requeue %s, want neither", p.Analysis, p.RequeueAfter)
	}
}

func TestRolloutFromStartToPromotion(t *testing.T) {
	w := newWorld(t, newInstance(withThresholdJudge))
	w.settleOnApply = false
	w.settle()
	stableRev := w.obj.Status.Stable.Revision

	// Enabling async starts a canary at 25 %: one pod of four.
	w.advance(time.Minute)
	w.setSpec(withAsync(true))
	asyncRev := revisionOf(withAsync(true)).Revision
	p := w.pass()
	assertEvent(t, p, "Normal", v1alpha1.ReasonRolloutStarted)
	if p.Status.Phase != v1alpha1.PhaseProgressing || p.Status.Canary == nil || p.Status.Canary.Revision != asyncRev || w.step() != 0 {
		t.Fatalf("phase %s canary %v step %d", p.Status.Phase, p.Status.Canary, w.step())
	}
	if p.Canary == nil || p.Canary.Replicas != 1 || p.Stable.Replicas != 4 {
		t.Fatalf("plan stable %d canary %s: want the canary pod started beside all 4 stable pods", p.Stable.Replicas, canaryReplicas(p))
	}
	if p.Status.Mode != "sync→async" || p.Status.CanaryWeight != 25 {
		t.Errorf("mode %q weight %d", p.Status.Mode, p.Status.CanaryWeight)
	}
	if p.RequeueAfter != 10*time.Minute || p.Analysis != nil {
		t.Errorf("requeue %s analysis %v: want the progress deadline, no analysis before the pods are ready", p.RequeueAfter, p.Analysis)
	}

	// The canary pod becomes available: the stable track gives one pod up and the
	// step starts, with an analysis due at once (a scrape source's baseline).
	w.advance(20 * time.Second)
	w.settle()
	p = w.pass()
	if p.Stable.Replicas != 3 || p.Canary.Replicas != 1 || p.Status.StepStartTime == nil {
		t.Fatalf("plan stable %d canary %s stepStart %v", p.Stable.Replicas, canaryReplicas(p), p.Status.StepStartTime)
	}
	if p.Analysis == nil || p.Analysis.Step != 0 || !p.Analysis.Since.Equal(w.now) || p.Analysis.Interval != 30*time.Second ||
		p.Analysis.Canary.Revision != asyncRev || p.Analysis.Stable.Revision != stableRev {
		t.Fatalf("analysis request %+v", p.Analysis)
	}
	w.settle()

	// Two passing analyses cover the minute's pause.
	w.advance(30 * time.Second)
	p = w.analyse(v1alpha1.VerdictPass)
	if w.step() != 0 || p.Status.PassedAnalyses != 1 || p.RequeueAfter != 30*time.Second {
		t.Fatalf("after one pass: step %d passed %d requeue %s", w.step(), p.Status.PassedAnalyses, p.RequeueAfter)
	}
	w.advance(15 * time.Second)
	if p = w.pass(); p.Analysis != nil || p.RequeueAfter != 15*time.Second {
		t.Fatalf("mid-interval: analysis %v requeue %s, want none and 15s", p.Analysis, p.RequeueAfter)
	}
	w.advance(15 * time.Second)
	p = w.analyse(v1alpha1.VerdictPass)
	if w.step() != 1 || p.Status.PassedAnalyses != 0 || p.Metrics.StepDuration != 80*time.Second {
		t.Fatalf("after two passes: step %d passed %d duration %s", w.step(), p.Status.PassedAnalyses, p.Metrics.StepDuration)
	}
	assertEvent(t, p, "Normal", v1alpha1.ReasonStepPromoted)
	if p.Canary.Replicas != 2 || p.Stable.Replicas != 3 {
		t.Errorf("step 2 plan: stable %d canary %s, want the canary grown to 2 before the stable shrinks", p.Stable.Replicas, canaryReplicas(p))
	}
	if p.Metrics.AnalysisVerdict != v1alpha1.VerdictPass {
		t.Errorf("metrics verdict %q", p.Metrics.AnalysisVerdict)
	}
	w.settle()

	// Step 2 (50 %), then step 3 (100 %: one passing analysis, no pause).
	w.passStep()
	if w.step() != 2 {
		t.Fatalf("step %d, want 2", w.step())
	}
	w.settle()
	w.pass()
	w.settle()
	p = w.pass()
	if p.Stable.Replicas != 0 || p.Canary.Replicas != 4 || p.Status.CanaryWeight != 100 || p.Analysis == nil {
		t.Fatalf("step 3 plan: stable %d canary %s weight %d analysis %v", p.Stable.Replicas, canaryReplicas(p), p.Status.CanaryWeight, p.Analysis)
	}
	w.advance(30 * time.Second)
	p = w.analyse(v1alpha1.VerdictPass)

	// Promotion: stable takes the revision; the canary keeps its pods until the stable
	// Deployment has them.
	assertEvent(t, p, "Normal", v1alpha1.ReasonPromoted)
	if !p.Metrics.Promoted || p.Status.Stable.Revision != asyncRev || p.Status.Canary != nil || p.Status.CurrentStep != nil {
		t.Fatalf("promoted %v stable %v canary %v step %v", p.Metrics.Promoted, p.Status.Stable, p.Status.Canary, p.Status.CurrentStep)
	}
	if p.Stable.Revision.Revision != asyncRev || p.Stable.Replicas != 4 || p.Canary == nil || p.Canary.Replicas != 4 {
		t.Fatalf("handover plan: stable %d×%s canary %s", p.Stable.Replicas, p.Stable.Revision.Revision, canaryReplicas(p))
	}
	if p.Status.Phase != v1alpha1.PhaseProgressing || conditionOf(p.Status, v1alpha1.ConditionProgressing).Reason != v1alpha1.ReasonPromoted {
		t.Errorf("phase %s progressing %+v", p.Status.Phase, conditionOf(p.Status, v1alpha1.ConditionProgressing))
	}
	assertOutcomes(t, p.Status, v1alpha1.OutcomeInitial, v1alpha1.OutcomePromoted)

	// Three stable pods available: the canary keeps one.
	w.stable.ObservedGeneration, w.stable.Pods, w.stable.UpdatedReplicas, w.stable.AvailableReplicas = w.stable.Generation, 4, 4, 3
	if p = w.pass(); p.Canary == nil || p.Canary.Replicas != 1 {
		t.Fatalf("handover with 3 of 4 stable pods: canary %s, want 1", canaryReplicas(p))
	}
	w.settle()
	p = w.pass()
	if p.Canary != nil || p.Status.Phase != v1alpha1.PhaseHealthy || p.Status.Mode != "async" {
		t.Fatalf("after handover: canary %s phase %s mode %s", canaryReplicas(p), p.Status.Phase, p.Status.Mode)
	}
	if c := conditionOf(p.Status, v1alpha1.ConditionProgressing); c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.ReasonNoRollout {
		t.Errorf("progressing %+v", c)
	}
}

func TestFailingAnalysisRollsBackInOnePass(t *testing.T) {
	w := newWorld(t, newInstance())
	w.setSpec(withAsync(true))
	w.pass()
	w.passStep() // step 1 passes
	if w.step() != 1 {
		t.Fatalf("step %d, want 1", w.step())
	}
	w.pass() // step 2 starts
	w.advance(30 * time.Second)
	p := w.analyse(v1alpha1.VerdictFail)

	if p.Canary == nil || p.Canary.Replicas != 0 || p.Stable.Replicas != 4 {
		t.Fatalf("plan stable %d canary %s, want the canary at 0 and stable at 4 in the failing pass", p.Stable.Replicas, canaryReplicas(p))
	}
	st := p.Status
	if st.Phase != v1alpha1.PhaseRolledBack || st.Canary != nil || st.FailedRevision != revisionOf(withAsync(true)).Revision {
		t.Fatalf("phase %s canary %v failedRevision %q", st.Phase, st.Canary, st.FailedRevision)
	}
	c := conditionOf(st, v1alpha1.ConditionRolledBack)
	if c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonAnalysisFailed ||
		!strings.Contains(c.Message, "acquireWaitP99 250ms is above the threshold 100ms") || !strings.Contains(c.Message, "step 2/3 (50%)") {
		t.Errorf("RolledBack condition %+v", c)
	}
	e := assertEvent(t, p, "Warning", v1alpha1.ReasonRolledBack)
	if !strings.Contains(e.Message, "250ms") || !strings.Contains(e.Message, "100ms") {
		t.Errorf("RolledBack event %q lacks the value and threshold", e.Message)
	}
	assertEvent(t, p, "Warning", v1alpha1.ReasonAnalysisFailed)
	assertOutcomes(t, st, v1alpha1.OutcomeInitial, v1alpha1.OutcomeRolledBack)
	if p.Metrics.RollbackReason != v1alpha1.ReasonAnalysisFailed || p.Metrics.AnalysisVerdict != v1alpha1.VerdictFail {
		t.Errorf("metrics %+v", p.Metrics)
	}
	if st.LastAnalysis == nil || st.LastAnalysis.Verdict != v1alpha1.VerdictFail || st.LastAnalysis.Step != 1 || len(st.LastAnalysis.Metrics) != 1 {
		t.Errorf("lastAnalysis %+v", st.LastAnalysis)
	}

	// The canary is deleted once its pods are gone, and the revision is not retried.
	w.advance(time.Minute)
	p = w.pass()
	if p.Canary != nil || p.Status.Phase != v1alpha1.PhaseRolledBack || p.Status.Canary != nil {
		t.Fatalf("next pass: canary %s phase %s", canaryReplicas(p), p.Status.Phase)
	}
	if c := conditionOf(p.Status, v1alpha1.ConditionRolledBack); c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonAnalysisFailed {
		t.Errorf("RolledBack condition lost: %+v", c)
	}
	// An image change is not a new revision: still held back.
	w.setSpec(func(in *v1alpha1.InterviewAPI) { in.Spec.Image = "registry.example/interviewapi-server:v0.1.1" })
	if p = w.pass(); p.Status.Canary != nil || p.Status.Phase != v1alpha1.PhaseRolledBack {
		t.Fatalf("after an image change: canary %v phase %s", p.Status.Canary, p.Status.Phase)
	}

	// The retry annotation rolls it out again from the first step.
	w.annotate(v1alpha1.AnnotationRetry, "")
	p = w.pass()
	if p.Status.Canary == nil || w.step() != 0 || p.Status.FailedRevision != "" || p.Status.Phase != v1alpha1.PhaseProgressing {
		t.Fatalf("after retry: canary %v step %d failedRevision %q phase %s", p.Status.Canary, w.step(), p.Status.FailedRevision, p.Status.Phase)
	}
	assertEvent(t, p, "Normal", v1alpha1.ReasonRetried)
	assertEvent(t, p, "Normal", v1alpha1.ReasonRolloutStarted)
	if len(p.RemoveAnnotations) != 1 || p.RemoveAnnotations[0] != v1alpha1.AnnotationRetry {
		t.Errorf("remove annotations %v", p.RemoveAnnotations)
	}
	if c := conditionOf(p.Status, v1alpha1.ConditionRolledBack); c.Status != metav1.ConditionFalse {
		t.Errorf("RolledBack condition after retry %+v", c)
	}
}

func TestFailedRevisionIsRetriedWhenTheSpecComesBack(t *testing.T) {
	w := newWorld(t, newInstance())
	w.setSpec(withAsync(true))
	w.pass()
	w.pass()
	w.advance(30 * time.Second)
	w.analyse(v1alpha1.VerdictFail)
	if w.obj.Status.Phase != v1alpha1.PhaseRolledBack {
		t.Fatalf("phase %s", w.obj.Status.Phase)
	}
	w.setSpec(withAsync(false))
	if p := w.pass(); p.Status.Phase != v1alpha1.PhaseHealthy || p.Status.FailedRevision != "" {
		t.Fatalf("spec back to stable: phase %s failedRevision %q", p.Status.Phase, p.Status.FailedRevision)
	}
	w.setSpec(withAsync(true))
	if p := w.pass(); p.Status.Canary == nil || p.Status.Phase != v1alpha1.PhaseProgressing {
		t.Fatalf("spec changed again: canary %v phase %s, want a new rollout", p.Status.Canary, p.Status.Phase)
	}
}
