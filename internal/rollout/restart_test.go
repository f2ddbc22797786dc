package rollout

import (
	"reflect"
	"testing"
	"time"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// scenarios run whole rollouts in a world and return every pass's input: the states a
// restarted operator may find.
func scenarios(t *testing.T) map[string][]Input {
	out := map[string][]Input{}

	// Success, with pods that take a pass to become ready.
	w := newWorld(t, newInstance())
	w.settleOnApply = false
	w.settle()
	w.setSpec(withAsync(true))
	for i := 0; i < 40 && (w.obj.Status.Canary != nil || w.canary != nil || i == 0); i++ {
		w.advance(30 * time.Second)
		w.reconcile(v1alpha1.VerdictPass)
		w.settle()
	}
	if w.obj.Status.Stable.Revision != revisionOf(withAsync(true)).Revision {
		t.Fatalf("the success scenario did not promote")
	}
	out["promotion"] = w.inputs

	// Failure at the second step.
	w = startedCanary(t)
	w.passStep()
	w.pass()
	w.advance(30 * time.Second)
	w.analyse(v1alpha1.VerdictPass)
	w.advance(30 * time.Second)
	w.analyse(v1alpha1.VerdictFail)
	w.pass()
	w.pass()
	out["rollback"] = w.inputs

	// Frozen by onFailure Pause, and paused by inconclusive analyses.
	w = startedCanary(t, func(in *v1alpha1.InterviewAPI) { in.Spec.Rollout.OnFailure = v1alpha1.FailurePause })
	w.advance(30 * time.Second)
	w.analyse(v1alpha1.VerdictFail)
	w.advance(time.Minute)
	w.pass()
	out["frozen"] = w.inputs

	w = startedCanary(t)
	for i := 0; i < 3; i++ {
		w.advance(30 * time.Second)
		w.analyse(v1alpha1.VerdictInconclusive)
	}
	w.pass()
	out["inconclusive"] = w.inputs
	return out
}

// TestRestartResumesEveryState decides again on every state a rollout went through, as
// an operator restarted at that point would (no analysis in hand, the clock moved on a
// little): the decision is deterministic, counts no analysis it did not record, ends a
// step only with the passing analyses the status already holds, and plans the same
// single canary.
func TestRestartResumesEveryState(t *testing.T) {
	for name, inputs := range scenarios(t) {
		t.Run(name, func(t *testing.T) {
			for i, in := range inputs {
				if len(in.Instance.Annotations) > 0 {
					continue
				}
				in.Analysis = nil
				in.Now = in.Now.Add(2 * time.Second)
				before := in.Instance.Status
				p := Decide(in)

				if again := Decide(in); !reflect.DeepEqual(p, again) {
					t.Fatalf("pass %d: two decisions on the same input differ", i)
				}
				if p.Status.PassedAnalyses > before.PassedAnalyses && before.Canary != nil {
					t.Errorf("pass %d: passed analyses %d → %d without an analysis", i, before.PassedAnalyses, p.Status.PassedAnalyses)
				}
				if before.Canary != nil {
					// Without an analysis in hand a step may only end if the status
					// already holds every passing analysis it needs.
					step := *before.CurrentStep
					cfg := settingsOf(&in.Instance.Spec)
					moved := p.Metrics.Promoted || (p.Status.Canary != nil && *p.Status.CurrentStep != step)
					if moved && before.PassedAnalyses < cfg.requiredPasses(step) {
						t.Errorf("pass %d: step %d ended with %d of %d passing analyses", i, step, before.PassedAnalyses, cfg.requiredPasses(step))
					}
				}
				if before.Canary != nil && p.Status.Canary != nil {
					if p.Status.Canary.Revision != before.Canary.Revision {
						t.Errorf("pass %d: canary revision %s → %s", i, before.Canary.Revision, p.Status.Canary.Revision)
					}
					if p.Canary == nil || p.Canary.Revision.Revision != before.Canary.Revision {
						t.Errorf("pass %d: planned canary %s, want revision %s", i, canaryReplicas(p), before.Canary.Revision)
					}
				}
				if before.Canary != nil && p.Status.Canary == nil && !p.Metrics.Promoted {
					t.Errorf("pass %d: the canary ended (phase %s) without an analysis", i, p.Status.Phase)
				}
			}
		})
	}
}

func TestRestartMidStepTakesTheNextAnalysis(t *testing.T) {
	w := startedCanary(t)
	w.passStep() // into step 2
	w.pass()
	w.advance(30 * time.Second)
	w.analyse(v1alpha1.VerdictPass) // one of the two passes of step 2
	snapshot := w.input(nil)

	// The operator restarts 40 s later, with nothing but the status and the cluster.
	snapshot.Now = snapshot.Now.Add(40 * time.Second)
	p := Decide(snapshot)
	if *p.Status.CurrentStep != 1 || p.Status.PassedAnalyses != 1 || p.Canary.Replicas != 2 || p.Stable.Replicas != 2 {
		t.Fatalf("step %d passed %d plan stable %d canary %s", *p.Status.CurrentStep, p.Status.PassedAnalyses, p.Stable.Replicas, canaryReplicas(p))
	}
	if p.Analysis == nil || p.Analysis.Step != 1 || !p.Analysis.Since.Equal(snapshot.Instance.Status.StepStartTime.Time) {
		t.Fatalf("analysis %+v, want step 2's next analysis, its window starting at the step's start", p.Analysis)
	}
	if len(p.Events) != 0 {
		t.Errorf("events %v", eventReasons(p))
	}

	// Deployments applied but the status write lost: the plan returns to the recorded step.
	w2 := startedCanary(t)
	lost := w2.input(nil)
	lost.Canary.Replicas, lost.Canary.Pods, lost.Canary.AvailableReplicas, lost.Canary.UpdatedReplicas = 2, 2, 2, 2
	lost.Stable.Replicas, lost.Stable.Pods, lost.Stable.AvailableReplicas, lost.Stable.UpdatedReplicas = 2, 2, 2, 2
	if p := Decide(lost); *p.Status.CurrentStep != 0 || p.Canary.Replicas != 1 || p.Stable.Replicas != 3 {
		t.Errorf("step %d plan stable %d canary %s, want step 1's 3 and 1", *p.Status.CurrentStep, p.Stable.Replicas, canaryReplicas(p))
	}
}
