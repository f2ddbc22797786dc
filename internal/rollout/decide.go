package rollout

import (
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// minRequeue is the requeue for an analysis that falls due in a pass that has already
// taken one (the step just advanced): the next pass takes it.
const minRequeue = time.Second

// Decide is the rollout's decision: from the instance (spec, status, annotations), its
// observed Deployments, the analysis taken in this pass if any, and the time, it
// computes the new status and what each Deployment should run. It is a pure function:
// the same input gives the same plan, which is what makes a restarted operator resume
// exactly where the last one stopped.
func Decide(in Input) Plan {
	d := newDecider(in)
	d.decide()
	return d.finish()
}

// decider carries one decision: the input, the status being computed and the plan.
type decider struct {
	in      Input
	obj     *v1alpha1.InterviewAPI
	cfg     settings
	now     metav1.Time
	st      *v1alpha1.InterviewAPIStatus
	desired v1alpha1.RevisionStatus
	ctl     controls
	plan    Plan
	// analysisUsed is set once Input.Analysis has been recorded, so that a step
	// advanced in the same pass does not count it again.
	analysisUsed bool
	requeue      time.Duration
}

// controls are the control annotations present on the instance.
type controls struct {
	promote     bool
	promoteFull bool
	abort       bool
	retry       bool
}

func newDecider(in Input) *decider {
	d := &decider{
		in:      in,
		obj:     in.Instance,
		cfg:     settingsOf(&in.Instance.Spec),
		now:     metav1.NewTime(in.Now.Truncate(time.Second)),
		st:      in.Instance.Status.DeepCopy(),
		desired: in.Instance.Spec.DesiredRevision(),
	}
	ann := in.Instance.Annotations
	if v, ok := ann[v1alpha1.AnnotationPromote]; ok {
		d.ctl.promote = true
		d.ctl.promoteFull = strings.EqualFold(strings.TrimSpace(v), "full")
		d.plan.RemoveAnnotations = append(d.plan.RemoveAnnotations, v1alpha1.AnnotationPromote)
	}
	if _, ok := ann[v1alpha1.AnnotationAbort]; ok {
		d.ctl.abort = true
		d.plan.RemoveAnnotations = append(d.plan.RemoveAnnotations, v1alpha1.AnnotationAbort)
	}
	if _, ok := ann[v1alpha1.AnnotationRetry]; ok {
		d.ctl.retry = true
		d.plan.RemoveAnnotations = append(d.plan.RemoveAnnotations, v1alpha1.AnnotationRetry)
	}
	return d
}

func (d *decider) decide() {
	if d.st.Stable == nil {
		d.initialise()
		return
	}
	// A rolled-back revision is held back only while the spec still asks for it.
	if d.st.FailedRevision != "" && d.st.FailedRevision != d.desired.Revision {
		d.st.FailedRevision = ""
	}
	if d.st.Canary != nil && d.canary() {
		return
	}
	d.noCanary()
}

// canary handles a rollout in progress. It returns false when the canary ended without
// planning the Deployments, for the no-canary logic to take over in the same pass.
func (d *decider) canary() bool {
	c := *d.st.Canary
	switch {
	case d.desired.Revision == d.st.Stable.Revision:
		d.abort(c, "the spec returned to the stable revision "+d.st.Stable.Revision)
		return false
	case d.desired.Revision != c.Revision:
		d.abort(c, "the spec moved on to revision "+d.desired.Revision)
		return false
	case d.ctl.abort:
		d.abort(c, "aborted with the "+v1alpha1.AnnotationAbort+" annotation")
		d.st.FailedRevision = c.Revision
		d.ctl.retry = false
		d.condition(v1alpha1.ConditionRolledBack, metav1.ConditionTrue, v1alpha1.ReasonAborted,
			"revision "+c.Revision+" was aborted with the "+v1alpha1.AnnotationAbort+" annotation; the stable revision "+
				d.st.Stable.Revision+" runs every pod; set "+v1alpha1.AnnotationRetry+" to roll it out again")
		return false
	case d.cfg.replicas == 0:
		d.promote("spec.replicas is 0: there are no pods to analyse")
		return false
	}
	d.progress()
	return true
}

// noCanary handles an instance with no rollout in progress.
func (d *decider) noCanary() {
	switch {
	case d.desired.Revision == d.st.Stable.Revision:
		d.steady()
	case d.desired.Revision == d.st.FailedRevision && !d.ctl.retry:
		d.rolledBack()
	case d.fastRollback():
		d.steady()
	case d.cfg.paused:
		d.waitPaused()
	case d.cfg.replicas == 0:
		d.applyDirectly("spec.replicas is 0: there are no pods to analyse")
		d.steady()
	default:
		if d.desired.Revision == d.st.FailedRevision {
			d.st.FailedRevision = ""
			d.event(eventNormal, v1alpha1.ReasonRetried, "retrying revision %s with the %s annotation", d.desired.Revision, v1alpha1.AnnotationRetry)
		}
		d.startCanary()
	}
}

// initialise runs the first revision of an instance on the stable track at once: there
// is nothing to compare it with. History records it as Initial, which makes it a
// fast-rollback target like any promoted revision.
func (d *decider) initialise() {
	r := d.desired
	d.st.Stable = &r
	d.st.History = appendHistory(d.st.History, entry(r, v1alpha1.OutcomeInitial, "first revision of the instance, applied without a rollout", d.now))
	d.event(eventNormal, v1alpha1.ReasonInitialRevision, "revision %s (%s) runs on the stable track", r.Revision, describe(r))
	d.steady()
}

// finish completes the status and the plan: the rollout's fields, then what the pass
// observed (report.go).
func (d *decider) finish() Plan {
	d.notifications()
	st := d.st
	st.ObservedGeneration = d.obj.Generation
	if st.Stable != nil {
		st.Pool = st.Stable.Pool.String()
		st.Mode = v1alpha1.ModeName(st.Stable.Async)
		if st.Canary != nil && st.Canary.Async != st.Stable.Async {
			st.Mode = v1alpha1.ModeName(st.Stable.Async) + "→" + v1alpha1.ModeName(st.Canary.Async)
		}
	}
	if st.Canary == nil {
		st.CurrentStep = nil
		st.CanaryWeight = 0
		st.StepStartTime = nil
		st.StepSetTime = nil
		st.PassedAnalyses = 0
		st.FailedAnalyses = 0
		st.ConsecutiveInconclusive = 0
	}
	d.plan.steady = st.Canary == nil && st.Phase == v1alpha1.PhaseHealthy
	reporter{in: d.in, now: d.now, st: st, steady: d.plan.steady}.report(nil)
	d.plan.Status = *st
	d.plan.RequeueAfter = d.requeue
	return d.plan
}

// analysisAfter asks for the pass that takes the step's next analysis, due in dur.
func (d *decider) analysisAfter(dur time.Duration) {
	if dur <= 0 {
		dur = minRequeue
	}
	d.after(dur)
	d.plan.AnalysisAfter = dur
}

// after asks for the next pass within dur at the latest.
func (d *decider) after(dur time.Duration) {
	if dur <= 0 {
		dur = minRequeue
	}
	if d.requeue == 0 || dur < d.requeue {
		d.requeue = dur
	}
}
