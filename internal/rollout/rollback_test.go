package rollout

import (
	"strings"
	"testing"
	"time"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// promoted is a world in which async was rolled out and promoted: history holds the
// sync revision (Initial) and the async one (Promoted).
func promoted(t *testing.T, mutate ...func(*v1alpha1.InterviewAPI)) *world {
	w := newWorld(t, newInstance(mutate...))
	w.advance(time.Hour)
	w.setSpec(withAsync(true))
	w.pass()
	for i := 0; i < 3; i++ {
		w.passStep()
	}
	w.pass() // handover done
	if w.obj.Status.Stable.Revision != revisionOf(withAsync(true)).Revision || w.canary != nil {
		t.Fatalf("async was not promoted: stable %v canary %v", w.obj.Status.Stable, w.canary)
	}
	return w
}

func TestSpecBackToStableAbortsInOnePass(t *testing.T) {
	w := startedCanary(t)
	w.advance(30 * time.Second)
	w.analyse(v1alpha1.VerdictPass)

	w.setSpec(withAsync(false))
	p := w.pass()
	if p.Canary == nil || p.Canary.Replicas != 0 || p.Stable.Replicas != 4 {
		t.Fatalf("plan stable %d canary %s, want the canary at 0 in this pass", p.Stable.Replicas, canaryReplicas(p))
	}
	if p.Status.Phase != v1alpha1.PhaseHealthy || p.Status.Canary != nil || p.Status.FailedRevision != "" || p.Status.Mode != "sync" {
		t.Fatalf("phase %s canary %v failedRevision %q mode %s", p.Status.Phase, p.Status.Canary, p.Status.FailedRevision, p.Status.Mode)
	}
	e := assertEvent(t, p, "Normal", v1alpha1.ReasonAborted)
	if !strings.Contains(e.Message, "returned to the stable revision") {
		t.Errorf("event %q", e.Message)
	}
	assertOutcomes(t, p.Status, v1alpha1.OutcomeInitial, v1alpha1.OutcomeAborted)
	if p.Metrics.RollbackReason != v1alpha1.ReasonAborted {
		t.Errorf("metrics %+v", p.Metrics)
	}
	if p = w.pass(); p.Canary != nil {
		t.Errorf("the canary Deployment survived its pods: %s", canaryReplicas(p))
	}
}

func TestFastRollbackAfterPromotion(t *testing.T) {
	w := promoted(t)
	syncRev := revisionOf().Revision

	w.advance(time.Hour)
	w.setSpec(withAsync(false))
	p := w.pass()
	if p.Status.Stable.Revision != syncRev || p.Stable.Revision.Revision != syncRev || p.Stable.Replicas != 4 || p.Canary != nil || p.Status.Canary != nil {
		t.Fatalf("stable %s plan %d×%s canary %s: want sync applied to stable at once, no canary",
			p.Status.Stable.Revision, p.Stable.Replicas, p.Stable.Revision.Revision, canaryReplicas(p))
	}
	if p.Status.Phase != v1alpha1.PhaseHealthy || p.Metrics.RollbackReason != v1alpha1.ReasonFastRollback {
		t.Errorf("phase %s metrics %+v", p.Status.Phase, p.Metrics)
	}
	e := assertEvent(t, p, "Normal", v1alpha1.ReasonFastRollback)
	if !strings.Contains(e.Message, "within the rollback window of 24h") {
		t.Errorf("event %q", e.Message)
	}
	assertOutcomes(t, p.Status, v1alpha1.OutcomeInitial, v1alpha1.OutcomePromoted, v1alpha1.OutcomeFastRollback)

	// A fast-rolled-back revision is a target in turn: back to async at once.
	w.advance(time.Minute)
	w.setSpec(withAsync(true))
	if p = w.pass(); p.Status.Canary != nil || p.Status.Stable.Revision != revisionOf(withAsync(true)).Revision {
		t.Errorf("back to async: canary %v stable %s", p.Status.Canary, p.Status.Stable.Revision)
	}
}

func TestFastRollbackWindow(t *testing.T) {
	tests := []struct {
		name     string
		wait     time.Duration
		window   time.Duration
		wantFast bool
	}{
		{"a minute after it was replaced", time.Minute, 24 * time.Hour, true},
		{"exactly at the end of the window", 24 * time.Hour, 24 * time.Hour, true},
		{"after the window", 24*time.Hour + time.Second, 24 * time.Hour, false},
		{"window 0 turns it off", time.Second, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := promoted(t, func(in *v1alpha1.InterviewAPI) {
				in.Spec.Rollout.RollbackWindow.Duration = tt.window
			})
			// The sync revision was promoted long ago (Initial) but served until the
			// async promotion: the window counts from then.
			replaced := w.obj.Status.History[1].Time.Time
			w.now = replaced.Add(tt.wait)
			w.setSpec(withAsync(false))
			p := w.pass()
			if fast := p.Status.Canary == nil && p.Status.Stable.Revision == revisionOf().Revision; fast != tt.wantFast {
				t.Errorf("fast rollback %v, want %v (canary %v)", fast, tt.wantFast, p.Status.Canary)
			}
			if !tt.wantFast {
				assertEvent(t, p, "Normal", v1alpha1.ReasonRolloutStarted)
			}
		})
	}
}

func TestRolledBackOrAbortedRevisionIsNoFastRollbackTarget(t *testing.T) {
	w := startedCanary(t)
	w.setSpec(withAsync(false)) // aborted
	w.pass()
	w.setSpec(withAsync(true))
	if p := w.pass(); p.Status.Canary == nil {
		t.Fatal("an aborted revision was applied without a canary")
	}
}

func TestNewRevisionDuringCanaryRestartsOnTheSameCanary(t *testing.T) {
	w := startedCanary(t)
	w.advance(30 * time.Second)
	w.analyse(v1alpha1.VerdictPass)

	w.setSpec(withPoolSize(40))
	newRev := revisionOf(withAsync(true), withPoolSize(40)).Revision
	p := w.pass()
	if p.Status.Canary == nil || p.Status.Canary.Revision != newRev || w.step() != 0 || p.Status.PassedAnalyses != 0 || p.Status.StepStartTime != nil {
		t.Fatalf("canary %v step %d passed %d stepStart %v", p.Status.Canary, w.step(), p.Status.PassedAnalyses, p.Status.StepStartTime)
	}
	if p.Canary == nil || p.Canary.Revision.Revision != newRev || p.Canary.Replicas != 1 {
		t.Fatalf("plan canary %s, want 1×%s on the same Deployment", canaryReplicas(p), newRev)
	}
	assertEvent(t, p, "Normal", v1alpha1.ReasonAborted)
	assertEvent(t, p, "Normal", v1alpha1.ReasonRolloutStarted)
	assertOutcomes(t, p.Status, v1alpha1.OutcomeInitial, v1alpha1.OutcomeAborted)
	if p.Status.History[1].Revision != revisionOf(withAsync(true)).Revision {
		t.Errorf("aborted entry %+v", p.Status.History[1])
	}
}

func TestSpecToPromotedRevisionDuringCanaryIsAFastRollback(t *testing.T) {
	w := promoted(t) // stable async, history: sync Initial, async Promoted
	w.setSpec(withPoolSize(40))
	w.pass()
	w.pass()
	if w.obj.Status.Canary == nil {
		t.Fatal("no canary for the pool change")
	}
	w.setSpec(withAsync(false), withPoolSize(20))
	p := w.pass()
	syncRev := revisionOf().Revision
	if p.Status.Canary != nil || p.Status.Stable.Revision != syncRev || p.Stable.Revision.Revision != syncRev || p.Canary == nil || p.Canary.Replicas != 0 {
		t.Fatalf("stable %s canary %v plan canary %s: want sync on stable and the canary at 0", p.Status.Stable.Revision, p.Status.Canary, canaryReplicas(p))
	}
	assertOutcomes(t, p.Status, v1alpha1.OutcomeInitial, v1alpha1.OutcomePromoted, v1alpha1.OutcomeAborted, v1alpha1.OutcomeFastRollback)
}

func TestAbortAnnotation(t *testing.T) {
	w := startedCanary(t)
	w.annotate(v1alpha1.AnnotationAbort, "true")
	p := w.pass()
	if p.Status.Phase != v1alpha1.PhaseRolledBack || p.Canary.Replicas != 0 || p.Status.FailedRevision != revisionOf(withAsync(true)).Revision {
		t.Fatalf("phase %s canary %s failedRevision %q", p.Status.Phase, canaryReplicas(p), p.Status.FailedRevision)
	}
	if c := conditionOf(p.Status, v1alpha1.ConditionRolledBack); c.Reason != v1alpha1.ReasonAborted || !strings.Contains(c.Message, v1alpha1.AnnotationAbort) {
		t.Errorf("RolledBack %+v", c)
	}
	if len(p.RemoveAnnotations) != 1 || p.RemoveAnnotations[0] != v1alpha1.AnnotationAbort || w.obj.Annotations[v1alpha1.AnnotationAbort] != "" {
		t.Errorf("remove annotations %v", p.RemoveAnnotations)
	}
	assertOutcomes(t, p.Status, v1alpha1.OutcomeInitial, v1alpha1.OutcomeAborted)
	if p = w.pass(); p.Status.Phase != v1alpha1.PhaseRolledBack || p.Status.Canary != nil {
		t.Errorf("next pass: phase %s canary %v", p.Status.Phase, p.Status.Canary)
	}
}

func TestAnnotationsWithNothingToDoAreRemoved(t *testing.T) {
	w := newWorld(t, newInstance())
	for _, a := range []string{v1alpha1.AnnotationAbort, v1alpha1.AnnotationPromote, v1alpha1.AnnotationRetry} {
		w.annotate(a, "")
	}
	p := w.pass()
	if len(p.RemoveAnnotations) != 3 || p.Status.Phase != v1alpha1.PhaseHealthy || len(p.Events) != 0 || p.Canary != nil {
		t.Errorf("remove %v phase %s events %v canary %s", p.RemoveAnnotations, p.Status.Phase, eventReasons(p), canaryReplicas(p))
	}
}
