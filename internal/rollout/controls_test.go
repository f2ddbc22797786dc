package rollout

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

func paused(on bool) func(*v1alpha1.InterviewAPI) {
	return func(in *v1alpha1.InterviewAPI) { in.Spec.Paused = on }
}

func TestSpecPausedHoldsTheStep(t *testing.T) {
	w := startedCanary(t)
	w.advance(30 * time.Second)
	w.analyse(v1alpha1.VerdictPass)

	w.setSpec(paused(true))
	w.advance(time.Hour)
	p := w.pass()
	if p.Status.Phase != v1alpha1.PhasePaused || p.Analysis != nil || p.RequeueAfter != 0 || w.step() != 0 || p.Canary.Replicas != 1 {
		t.Fatalf("paused: phase %s analysis %v requeue %s step %d canary %s", p.Status.Phase, p.Analysis, p.RequeueAfter, w.step(), canaryReplicas(p))
	}
	if c := conditionOf(p.Status, v1alpha1.ConditionProgressing); c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonPaused {
		t.Errorf("progressing %+v", c)
	}
	// The pause is a decision of its own, announced once: the pass that enters it.
	assertEvent(t, p, eventNormal, v1alpha1.ReasonPaused)
	if again := w.pass(); len(again.Events) != 0 {
		t.Errorf("a second paused pass recorded %v", eventReasons(again))
	}
	// An analysis arriving while paused is not counted.
	in := w.input(analysisResult(v1alpha1.VerdictPass, w.now))
	if p := Decide(in); p.Status.PassedAnalyses != 1 || p.Metrics.AnalysisVerdict != "" {
		t.Errorf("paused rollout counted an analysis: passed %d", p.Status.PassedAnalyses)
	}

	// Resumed: the same step goes on, an analysis is due at once, and one more pass
	// completes the step (the pause of a minute has long elapsed).
	w.setSpec(paused(false))
	p = w.pass()
	if p.Status.Phase != v1alpha1.PhaseProgressing || w.step() != 0 || p.Analysis == nil {
		t.Fatalf("resumed: phase %s step %d analysis %v", p.Status.Phase, w.step(), p.Analysis)
	}
	p = w.analyse(v1alpha1.VerdictPass)
	if w.step() != 1 {
		t.Fatalf("step %d after the second pass, want 1", w.step())
	}
}

func TestSpecPausedKeepsANewRevisionWaiting(t *testing.T) {
	w := newWorld(t, newInstance())
	w.setSpec(paused(true), withAsync(true))
	p := w.pass()
	if p.Status.Canary != nil || p.Canary != nil || p.Status.Phase != v1alpha1.PhasePaused {
		t.Fatalf("canary %v plan %s phase %s", p.Status.Canary, canaryReplicas(p), p.Status.Phase)
	}
	assertEvent(t, p, eventNormal, v1alpha1.ReasonPaused)
	// A spec back to stable while paused is simply healthy again.
	w.setSpec(withAsync(false))
	if p = w.pass(); p.Status.Phase != v1alpha1.PhaseHealthy {
		t.Errorf("phase %s", p.Status.Phase)
	}
}

func TestPausedBeforeTheCanaryIsReadyDoesNotSpendTheDeadline(t *testing.T) {
	w := newWorld(t, newInstance())
	w.settleOnApply = false
	w.setSpec(withAsync(true))
	w.pass()
	w.setSpec(paused(true))
	w.advance(time.Hour)
	w.pass()
	w.setSpec(paused(false))
	p := w.pass()
	if p.Status.Phase != v1alpha1.PhaseProgressing || p.RequeueAfter != 10*time.Minute {
		t.Fatalf("after an hour paused: phase %s requeue %s, want a fresh 10m deadline", p.Status.Phase, p.RequeueAfter)
	}
}

func TestAbortWorksWhilePaused(t *testing.T) {
	w := startedCanary(t)
	w.setSpec(paused(true))
	w.pass()
	w.annotate(v1alpha1.AnnotationAbort, "")
	if p := w.pass(); p.Status.Phase != v1alpha1.PhaseRolledBack || p.Canary.Replicas != 0 {
		t.Errorf("phase %s canary %s", p.Status.Phase, canaryReplicas(p))
	}
}

func TestPromoteAnnotation(t *testing.T) {
	tests := []struct {
		name      string
		value     string
		atStep    int32
		wantStep  int32 // -1: promoted
		wantPods  int32 // canary pods planned
		wantEvent string
	}{
		{"empty skips one step", "", 0, 1, 2, v1alpha1.ReasonStepPromoted},
		{"next skips one step", "next", 0, 1, 2, v1alpha1.ReasonStepPromoted},
		{"full promotes at once", "full", 0, -1, 1, v1alpha1.ReasonPromoted},
		{"FULL in capitals too", " FULL ", 1, -1, 2, v1alpha1.ReasonPromoted},
		{"at the last step it promotes", "next", 2, -1, 4, v1alpha1.ReasonPromoted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := startedCanary(t)
			for w.step() < tt.atStep {
				w.annotate(v1alpha1.AnnotationPromote, "")
				w.pass()
				w.pass()
			}
			w.annotate(v1alpha1.AnnotationPromote, tt.value)
			p := w.pass()
			assertEvent(t, p, "Normal", tt.wantEvent)
			if len(p.RemoveAnnotations) != 1 || p.RemoveAnnotations[0] != v1alpha1.AnnotationPromote {
				t.Errorf("remove %v", p.RemoveAnnotations)
			}
			if tt.wantStep < 0 {
				if p.Status.Canary != nil || !p.Metrics.Promoted || p.Status.Stable.Revision != revisionOf(withAsync(true)).Revision {
					t.Fatalf("not promoted: canary %v stable %s", p.Status.Canary, p.Status.Stable.Revision)
				}
				// The stable Deployment takes the revision; the canary keeps its pods
				// until the stable pods are available.
				if p.Stable.Replicas != 4 || p.Canary == nil || p.Canary.Replicas != tt.wantPods {
					t.Errorf("handover plan stable %d canary %s, want canary %d", p.Stable.Replicas, canaryReplicas(p), tt.wantPods)
				}
				assertOutcomes(t, p.Status, v1alpha1.OutcomeInitial, v1alpha1.OutcomePromoted)
				return
			}
			if w.step() != tt.wantStep || p.Canary.Replicas != tt.wantPods || p.Status.StepStartTime != nil {
				t.Errorf("step %d canary %s stepStart %v, want step %d with %d canary pods", w.step(), canaryReplicas(p), p.Status.StepStartTime, tt.wantStep, tt.wantPods)
			}
		})
	}
}

func TestImageAndReplicaChangesDoNotDisturbTheCanary(t *testing.T) {
	w := startedCanary(t)
	w.advance(30 * time.Second)
	w.analyse(v1alpha1.VerdictPass)
	before := w.obj.Status.DeepCopy()

	w.setSpec(func(in *v1alpha1.InterviewAPI) { in.Spec.Image = "registry.example/interviewapi-server:v0.2.0" })
	w.advance(5 * time.Second)
	p := w.pass()
	if p.Status.Canary.Revision != before.Canary.Revision || w.step() != 0 || p.Status.PassedAnalyses != 1 ||
		!p.Status.StepStartTime.Equal(before.StepStartTime) || len(p.Events) != 0 {
		t.Fatalf("after an image change: canary %s step %d passed %d stepStart %s events %v",
			p.Status.Canary.Revision, w.step(), p.Status.PassedAnalyses, p.Status.StepStartTime, eventReasons(p))
	}

	eight := int32(8)
	w.setSpec(func(in *v1alpha1.InterviewAPI) { in.Spec.Replicas = &eight })
	p = w.pass()
	if p.Canary.Replicas != 2 || p.Stable.Replicas != 6 || p.Status.PassedAnalyses != 1 || !p.Status.StepStartTime.Equal(before.StepStartTime) {
		t.Fatalf("after 4→8 replicas: stable %d canary %s passed %d", p.Stable.Replicas, canaryReplicas(p), p.Status.PassedAnalyses)
	}
}

func TestZeroReplicasAppliesTheRevisionDirectly(t *testing.T) {
	zero := int32(0)
	w := newWorld(t, newInstance(func(in *v1alpha1.InterviewAPI) { in.Spec.Replicas = &zero }))
	w.setSpec(withAsync(true))
	p := w.pass()
	if p.Status.Canary != nil || p.Status.Stable.Revision != revisionOf(withAsync(true)).Revision || p.Stable.Replicas != 0 {
		t.Fatalf("canary %v stable %s replicas %d", p.Status.Canary, p.Status.Stable.Revision, p.Stable.Replicas)
	}
	assertOutcomes(t, p.Status, v1alpha1.OutcomeInitial, v1alpha1.OutcomePromoted)

	// Scaled to zero during a canary: promoted, nothing left to analyse.
	w2 := startedCanary(t)
	w2.setSpec(func(in *v1alpha1.InterviewAPI) { in.Spec.Replicas = &zero })
	if p := w2.pass(); p.Status.Canary != nil || !p.Metrics.Promoted {
		t.Errorf("canary %v promoted %v", p.Status.Canary, p.Metrics.Promoted)
	}
}
