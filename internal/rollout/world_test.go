package rollout

import (
	"fmt"
	"slices"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newInstance is an InterviewAPI with 4 replicas, the sync engine and the CRD's
// defaults written out, as the API server would return it.
func newInstance(mutate ...func(*v1alpha1.InterviewAPI)) *v1alpha1.InterviewAPI {
	replicas, overflow, minAcquires := int32(4), int32(30), int32(20)
	dur := func(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }
	in := &v1alpha1.InterviewAPI{
		ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "shop", Generation: 1},
		Spec: v1alpha1.InterviewAPISpec{
			Image:    "registry.example/interviewapi-server:v0.1.0",
			Replicas: &replicas,
			Database: v1alpha1.DatabaseSpec{
				URLSecretRef: v1alpha1.SecretKeyRef{Name: "db", Key: "url"},
				Pool:         v1alpha1.PoolSpec{Size: 20, MaxOverflow: &overflow, Timeout: dur(30 * time.Second), Recycle: dur(time.Hour)},
			},
			Rollout: v1alpha1.RolloutSpec{
				Steps: v1alpha1.DefaultRolloutSteps(),
				Analysis: v1alpha1.AnalysisSpec{
					Interval: dur(30 * time.Second), FailureLimit: 1, InconclusiveLimit: 3, MinAcquires: &minAcquires,
				},
				ProgressDeadline: dur(10 * time.Minute),
				OnFailure:        v1alpha1.FailureRollback,
				RollbackWindow:   dur(24 * time.Hour),
			},
		},
	}
	for _, m := range mutate {
		m(in)
	}
	return in
}

func withAsync(on bool) func(*v1alpha1.InterviewAPI) {
	return func(in *v1alpha1.InterviewAPI) { in.Spec.Database.Async.Enabled = on }
}

// withThresholdJudge selects the Threshold judge, whose first analysis of a step is
// due at the step's start (a scraping source's baseline) and which never samples
// between analyses: the tests of that schedule use it.
func withThresholdJudge(in *v1alpha1.InterviewAPI) {
	in.Spec.Rollout.Analysis.Judge = v1alpha1.JudgeThreshold
}

func withPoolSize(n int32) func(*v1alpha1.InterviewAPI) {
	return func(in *v1alpha1.InterviewAPI) { in.Spec.Database.Pool.Size = n }
}

func revisionOf(mutate ...func(*v1alpha1.InterviewAPI)) v1alpha1.RevisionStatus {
	return newInstance(mutate...).Spec.DesiredRevision()
}

// world is a fake cluster for driving Decide pass after pass: it writes the plan's
// status back to the instance, applies the Deployments' specs, and lets the test
// decide when their pods become ready and old pods go away.
type world struct {
	t      *testing.T
	obj    *v1alpha1.InterviewAPI
	stable *DeploymentState
	canary *DeploymentState
	now    time.Time
	// settleOnApply makes every Deployment reach its spec in the pass it is applied.
	settleOnApply bool
	// inputs records each pass's input, for restart checks.
	inputs []Input
	// plans records each applied plan.
	plans []Plan
}

func newWorld(t *testing.T, obj *v1alpha1.InterviewAPI) *world {
	w := &world{t: t, obj: obj, now: t0, settleOnApply: true}
	w.pass() // the first pass makes the first revision stable
	return w
}

func (w *world) input(a *v1alpha1.AnalysisResult) Input {
	return Input{Instance: w.obj.DeepCopy(), Stable: copyState(w.stable), Canary: copyState(w.canary), Analysis: a, Now: w.now}
}

func copyState(s *DeploymentState) *DeploymentState {
	if s == nil {
		return nil
	}
	c := *s
	return &c
}

// pass runs one reconcile without an analysis, even if one is due, and applies it.
func (w *world) pass() Plan {
	in := w.input(nil)
	w.inputs = append(w.inputs, in)
	p := Decide(in)
	w.apply(p)
	return p
}

// analyse runs one reconcile that takes the analysis the plan asks for with the given
// verdict, as the reconciler does: decide, measure, decide again on the same input.
func (w *world) analyse(verdict string) Plan {
	w.t.Helper()
	in := w.input(nil)
	w.inputs = append(w.inputs, in)
	first := Decide(in)
	if first.Analysis == nil {
		w.t.Fatalf("at %s no analysis is due (phase %s, step %v, requeue %s)", w.now.Sub(t0), first.Status.Phase, first.Status.CurrentStep, first.RequeueAfter)
	}
	in.Analysis = analysisResult(verdict, w.now)
	p := Decide(in)
	w.apply(p)
	return p
}

// reconcile runs one reconcile the way the operator does with a source that needs a
// full interval after the step's start (as both poolhealth sources do): when the plan
// asks for an analysis whose window is not complete yet, nothing is measured.
func (w *world) reconcile(verdict string) Plan {
	w.t.Helper()
	first := Decide(w.input(nil))
	if first.Analysis == nil || w.now.Sub(first.Analysis.Since) < first.Analysis.Interval {
		return w.pass()
	}
	return w.analyse(verdict)
}

func analysisResult(verdict string, at time.Time) *v1alpha1.AnalysisResult {
	r := &v1alpha1.AnalysisResult{Time: metav1.NewTime(at), Verdict: verdict}
	switch verdict {
	case v1alpha1.VerdictPass:
		r.Message = "canary within every threshold"
		r.Metrics = []v1alpha1.MetricResult{{Name: "acquireWaitP99", Value: "4ms", Threshold: "<= 100ms", Verdict: verdict}}
	case v1alpha1.VerdictFail:
		r.Message = "canary failed: acquireWaitP99 250ms is above the threshold 100ms"
		r.Metrics = []v1alpha1.MetricResult{{Name: "acquireWaitP99", Value: "250ms", Threshold: "<= 100ms", Verdict: verdict}}
	default:
		r.Message = "the canary made 3 connection acquires in 30s, fewer than minAcquires 20"
	}
	return r
}

func (w *world) apply(p Plan) {
	w.plans = append(w.plans, p)
	w.obj.Status = p.Status
	for _, a := range p.RemoveAnnotations {
		delete(w.obj.Annotations, a)
	}
	w.stable = applyTrack(w.stable, &p.Stable)
	w.canary = applyTrack(w.canary, p.Canary)
	if w.settleOnApply {
		w.settle()
	}
}

// applyTrack writes a track plan into a Deployment's spec, as an apply would.
func applyTrack(d *DeploymentState, tp *TrackPlan) *DeploymentState {
	if tp == nil {
		return nil
	}
	if d == nil {
		d = &DeploymentState{}
	}
	if d.Revision != tp.Revision.Revision || d.Replicas != tp.Replicas {
		d.Generation++
	}
	d.Revision, d.Replicas = tp.Revision.Revision, tp.Replicas
	return d
}

// settle lets both Deployments reach their specs: pods of the current template,
// all available, old pods gone.
func (w *world) settle() {
	for _, d := range []*DeploymentState{w.stable, w.canary} {
		if d != nil {
			d.ObservedGeneration = d.Generation
			d.Pods, d.UpdatedReplicas, d.ReadyReplicas, d.AvailableReplicas, d.TerminatingPods = d.Replicas, d.Replicas, d.Replicas, d.Replicas, 0
		}
	}
}

// advance moves the clock.
func (w *world) advance(d time.Duration) { w.now = w.now.Add(d) }

func (w *world) setSpec(mutate ...func(*v1alpha1.InterviewAPI)) {
	for _, m := range mutate {
		m(w.obj)
	}
	w.obj.Generation++
}

func (w *world) annotate(key, value string) {
	if w.obj.Annotations == nil {
		w.obj.Annotations = map[string]string{}
	}
	w.obj.Annotations[key] = value
}

func (w *world) step() int32 {
	if w.obj.Status.CurrentStep == nil {
		return -1
	}
	return *w.obj.Status.CurrentStep
}

// passStep runs a step's analyses to their end: the baseline pass, then passing
// analyses every interval until the step moves on.
func (w *world) passStep() {
	w.t.Helper()
	step := w.step()
	w.pass() // the step starts; its first analysis (a baseline) is due
	for i := 0; i < 10 && w.step() == step && w.obj.Status.Canary != nil; i++ {
		w.advance(30 * time.Second)
		w.analyse(v1alpha1.VerdictPass)
	}
	if w.step() == step && w.obj.Status.Canary != nil {
		w.t.Fatalf("step %d did not pass after 10 analyses", step)
	}
}

func eventReasons(p Plan) []string {
	var out []string
	for _, e := range p.Events {
		out = append(out, e.Reason)
	}
	return out
}

func hasEvent(p Plan, typ, reason string) (Event, bool) {
	for _, e := range p.Events {
		if e.Reason == reason && (typ == "" || e.Type == typ) {
			return e, true
		}
	}
	return Event{}, false
}

func conditionOf(st v1alpha1.InterviewAPIStatus, typ string) metav1.Condition {
	for _, c := range st.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return metav1.Condition{}
}

func outcomes(st v1alpha1.InterviewAPIStatus) []string {
	var out []string
	for _, h := range st.History {
		out = append(out, h.Outcome)
	}
	return out
}

func canaryReplicas(p Plan) string {
	if p.Canary == nil {
		return "none"
	}
	return fmt.Sprintf("%d×%s", p.Canary.Replicas, p.Canary.Revision.Revision)
}

func assertEvent(t *testing.T, p Plan, typ, reason string) Event {
	t.Helper()
	e, ok := hasEvent(p, typ, reason)
	if !ok {
		t.Fatalf("no %s event %s among %v", typ, reason, eventReasons(p))
	}
	return e
}

func assertOutcomes(t *testing.T, st v1alpha1.InterviewAPIStatus, want ...string) {
	t.Helper()
	if got := outcomes(st); !slices.Equal(got, want) {
		t.Fatalf("history outcomes = %v, want %v", got, want)
	}
}
