package rollout

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

func TestCanaryReplicas(t *testing.T) {
	tests := []struct {
		replicas, weight, want int32
	}{
		{4, 25, 1}, {4, 50, 2}, {4, 75, 3}, {4, 100, 4},
		{4, 1, 1},   // any weight above 0 has a canary pod
		{4, 99, 3},  // below 100 a stable pod stays
		{3, 25, 1},  // 0.75 rounds up
		{3, 50, 2},  // 1.5 rounds up
		{2, 25, 1},  // 0.5 rounds up
		{2, 90, 1},  // 1.8 would leave no stable pod
		{1, 25, 1},  // one replica: the canary is the only pod
		{10, 33, 4}, // 3.3 rounds up
		{4, 0, 0}, {0, 50, 0}, {-1, 50, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d replicas at %d%%", tt.replicas, tt.weight), func(t *testing.T) {
			got := CanaryReplicas(tt.replicas, tt.weight)
			if got != tt.want {
				t.Errorf("CanaryReplicas(%d, %d) = %d, want %d", tt.replicas, tt.weight, got, tt.want)
			}
		})
	}
}

func TestWeight(t *testing.T) {
	for _, tt := range []struct{ canary, replicas, want int32 }{
		{1, 4, 25}, {2, 4, 50}, {1, 3, 33}, {4, 4, 100}, {0, 4, 0}, {1, 0, 0}, {5, 4, 100},
	} {
		if got := Weight(tt.canary, tt.replicas); got != tt.want {
			t.Errorf("Weight(%d, %d) = %d, want %d", tt.canary, tt.replicas, got, tt.want)
		}
	}
}

func TestPhaseNumber(t *testing.T) {
	want := map[v1alpha1.Phase]float64{
		v1alpha1.PhaseHealthy: 0, v1alpha1.PhaseProgressing: 1, v1alpha1.PhasePaused: 2,
		v1alpha1.PhaseDegraded: 3, v1alpha1.PhaseRolledBack: 4, "": -1, "Unknown": -1,
	}
	for p, n := range want {
		if got := PhaseNumber(p); got != n {
			t.Errorf("PhaseNumber(%q) = %v, want %v", p, got, n)
		}
	}

}

func TestObserve(t *testing.T) {
	if Observe(nil) != nil {
		t.Error("Observe(nil) is not nil")
	}
	three, one := int32(3), int32(1)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Generation: 7},
		Spec: appsv1.DeploymentSpec{
			Replicas: &three,
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{v1alpha1.LabelRevision: "abc123"}}},
		},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 6, Replicas: 4, UpdatedReplicas: 2, ReadyReplicas: 3, AvailableReplicas: 3, TerminatingReplicas: &one},
	}
	want := DeploymentState{Revision: "abc123", Replicas: 3, Pods: 4, TerminatingPods: 1, UpdatedReplicas: 2, ReadyReplicas: 3, AvailableReplicas: 3, Generation: 7, ObservedGeneration: 6}
	got := Observe(d)
	if *got != want {
		t.Errorf("Observe = %+v, want %+v", *got, want)
	}
	if got.occupied() != 5 || !got.replacing() || got.available("abc123") != 0 || got.rolledOut("abc123", 3) {
		t.Errorf("occupied %d replacing %v available %d rolledOut %v", got.occupied(), got.replacing(), got.available("abc123"), got.rolledOut("abc123", 3))
	}
	settled := DeploymentState{Revision: "abc123", Replicas: 3, Pods: 3, UpdatedReplicas: 3, AvailableReplicas: 3, Generation: 7, ObservedGeneration: 7}
	if !settled.rolledOut("abc123", 3) || settled.rolledOut("other", 3) || settled.rolledOut("abc123", 4) || settled.available("abc123") != 3 {
		t.Errorf("settled Deployment misread: %+v", settled)
	}
}

func TestHistoryIsBounded(t *testing.T) {
	var h []v1alpha1.HistoryEntry
	for i := 0; i < v1alpha1.MaxHistory+5; i++ {
		h = appendHistory(h, v1alpha1.HistoryEntry{Revision: fmt.Sprint(i)})
	}
	if len(h) != v1alpha1.MaxHistory || h[0].Revision != "5" || h[len(h)-1].Revision != fmt.Sprint(v1alpha1.MaxHistory+4) {
		t.Errorf("history of %d from %s to %s", len(h), h[0].Revision, h[len(h)-1].Revision)
	}
}

func TestManyRolloutsKeepHistoryBounded(t *testing.T) {
	w := newWorld(t, newInstance())
	for i := 0; i < v1alpha1.MaxHistory+3; i++ {
		w.setSpec(withPoolSize(int32(21 + i)))
		w.pass()
	}
	if n := len(w.obj.Status.History); n != v1alpha1.MaxHistory {
		t.Errorf("history has %d entries, want %d", n, v1alpha1.MaxHistory)
	}
}

func TestSettingsDefaults(t *testing.T) {
	// An object built in Go, never defaulted by the API server.
	s := settingsOf(&v1alpha1.InterviewAPISpec{})
	if s.replicas != 2 || len(s.steps) != 3 || s.interval != 30*time.Second || s.failureLimit != 1 || s.inconclusiveLimit != 3 ||
		s.progressDeadline != 10*time.Minute || s.onFailure != v1alpha1.FailureRollback || s.rollbackWindow != 24*time.Hour || s.budget != nil {
		t.Errorf("settings %+v", s)
	}
	if s.pause(0) != time.Minute || s.requiredPasses(0) != 2 || s.pause(2) != 30*time.Second || s.requiredPasses(2) != 1 {
		t.Errorf("pauses %s %s, passes %d %d", s.pause(0), s.pause(2), s.requiredPasses(0), s.requiredPasses(2))
	}
	s.steps = []v1alpha1.RolloutStep{{Weight: 100, Pause: &metav1.Duration{Duration: 45 * time.Second}}}
	if s.requiredPasses(0) != 2 {
		t.Errorf("a 45s pause with a 30s interval needs %d passes, want 2 (the pause is covered)", s.requiredPasses(0))
	}
}

func TestAnalysisScheduling(t *testing.T) {
	w := newWorld(t, newInstance(withThresholdJudge))
	w.settleOnApply = false
	w.settle()
	w.setSpec(withAsync(true))
	w.pass()

	// Before the canary is ready no analysis is due, and one arriving is ignored.
	in := w.input(analysisResult(v1alpha1.VerdictPass, w.now))
	if p := Decide(in); p.Analysis != nil || p.Status.PassedAnalyses != 0 || p.Status.LastAnalysis != nil {
		t.Fatalf("before ready: analysis %v passed %d last %v", p.Analysis, p.Status.PassedAnalyses, p.Status.LastAnalysis)
	}

	w.settle()
	w.advance(7 * time.Second)
	p := w.pass()
	start := w.now
	if p.Analysis == nil || !p.Analysis.Since.Equal(start) {
		t.Fatalf("at the step's start: analysis %+v", p.Analysis)
	}
	// An analysis with no time is stamped with the pass's time; the step is recorded.
	w.advance(31 * time.Second)
	in = w.input(&v1alpha1.AnalysisResult{Verdict: v1alpha1.VerdictPass, Step: 9})
	p = Decide(in)
	if la := p.Status.LastAnalysis; la == nil || la.Step != 0 || !la.Time.Time.Equal(w.now) {
		t.Fatalf("lastAnalysis %+v", la)
	}
	if p.RequeueAfter != 30*time.Second || p.Analysis != nil {
		t.Errorf("after an analysis: requeue %s analysis %v", p.RequeueAfter, p.Analysis)
	}
}

func TestAnalysisDueRightAfterAStepIsLeftForTheNextPass(t *testing.T) {
	// With 2 replicas, 25 % and 50 % are both one canary pod: the second step's pods are
	// ready the moment it starts, and its first analysis falls due in the pass that
	// recorded the first step's last one.
	two := int32(2)
	w := startedCanary(t, func(in *v1alpha1.InterviewAPI) { in.Spec.Replicas = &two })
	w.advance(30 * time.Second)
	w.analyse(v1alpha1.VerdictPass)
	w.advance(30 * time.Second)
	p := w.analyse(v1alpha1.VerdictPass)
	if w.step() != 1 || p.Status.StepStartTime == nil || p.Analysis != nil || p.RequeueAfter != time.Second {
		t.Fatalf("step %d stepStart %v analysis %v requeue %s", w.step(), p.Status.StepStartTime, p.Analysis, p.RequeueAfter)
	}
	if p = w.pass(); p.Analysis == nil || p.Analysis.Step != 1 {
		t.Errorf("next pass: analysis %+v", p.Analysis)
	}
}

func TestFastRollbackTarget(t *testing.T) {
	at := func(d time.Duration) metav1.Time { return metav1.NewTime(t0.Add(d)) }
	h := []v1alpha1.HistoryEntry{
		{Revision: "a", Outcome: v1alpha1.OutcomeInitial, Time: at(0)},
		{Revision: "b", Outcome: v1alpha1.OutcomeRolledBack, Time: at(time.Hour)},
		{Revision: "c", Outcome: v1alpha1.OutcomePromoted, Time: at(48 * time.Hour)},
		{Revision: "d", Outcome: v1alpha1.OutcomeAborted, Time: at(49 * time.Hour)},
		{Revision: "e", Outcome: v1alpha1.OutcomePromoted, Time: at(50 * time.Hour)},
	}
	now := t0.Add(60 * time.Hour)
	tests := []struct {
		revision string
		ok       bool
		replaced time.Duration
	}{
		{"a", true, 48 * time.Hour}, // served until c, 12h ago
		{"b", false, 0},             // never stable
		{"c", true, 50 * time.Hour}, // served until e
		{"d", false, 0},             // aborted
		{"e", false, 0},             // still stable: not a rollback
		{"z", false, 0},
	}
	for _, tt := range tests {
		replacedAt, ok := fastRollbackTarget(h, tt.revision, 24*time.Hour, now)
		if ok != tt.ok || (ok && !replacedAt.Equal(t0.Add(tt.replaced))) {
			t.Errorf("%s: %v %s, want %v %s", tt.revision, ok, replacedAt, tt.ok, t0.Add(tt.replaced))
		}
	}
	if _, ok := fastRollbackTarget(h, "a", 11*time.Hour, now); ok {
		t.Error("a revision replaced 12h ago is a target within an 11h window")
	}
}

func TestStepsEditedDuringARollout(t *testing.T) {
	w := startedCanary(t)
	w.annotate(v1alpha1.AnnotationPromote, "")
	w.pass()
	w.annotate(v1alpha1.AnnotationPromote, "")
	w.pass()
	if w.step() != 2 {
		t.Fatalf("step %d, want 2", w.step())
	}
	// The spec now has two steps: the rollout continues at the last one.
	w.setSpec(func(in *v1alpha1.InterviewAPI) {
		in.Spec.Rollout.Steps = []v1alpha1.RolloutStep{{Weight: 50}, {Weight: 100}}
	})
	p := w.pass()
	if w.step() != 1 || p.Canary.Replicas != 4 {
		t.Errorf("step %d canary %s, want the last step (1) with 4 canary pods", w.step(), canaryReplicas(p))
	}
}

func TestRolledBackStateWithoutItsCondition(t *testing.T) {
	// A status whose conditions were lost (edited away) still says why it holds back.
	obj := newInstance(withAsync(true))
	stable := revisionOf()
	obj.Status = v1alpha1.InterviewAPIStatus{Stable: &stable, FailedRevision: obj.Spec.DesiredRevision().Revision}
	p := Decide(Input{Instance: obj, Now: t0})
	c := conditionOf(p.Status, v1alpha1.ConditionRolledBack)
	if p.Status.Phase != v1alpha1.PhaseRolledBack || c.Status != metav1.ConditionTrue || c.Reason != v1alpha1.ReasonRolledBack {
		t.Errorf("phase %s RolledBack %+v", p.Status.Phase, c)
	}
}
