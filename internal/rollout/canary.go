package rollout

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// startCanary begins the rollout of the desired revision at the first step.
func (d *decider) startCanary() {
	r := d.desired
	stable := *d.st.Stable
	zero := int32(0)
	d.st.Canary = &r
	d.st.CurrentStep = &zero
	d.resetStep()
	d.st.FailedAnalyses = 0
	d.st.ConsecutiveInconclusive = 0
	d.st.Analyses = nil
	d.notRolledBack(v1alpha1.ReasonRolloutStarted, "revision "+r.Revision+" is being rolled out")
	d.notDegraded(v1alpha1.ReasonRolloutStarted, "revision "+r.Revision+" is being rolled out")
	d.event(eventNormal, v1alpha1.ReasonRolloutStarted, "rolling out revision %s (%s) over stable revision %s (%s): %s, %d of %d pods",
		r.Revision, describe(r), stable.Revision, describe(stable), d.stepLabel(0), CanaryReplicas(d.cfg.replicas, d.cfg.steps[0].Weight), d.cfg.replicas)
	d.progress()
}

// resetStep starts the clock of the current step: its weight is set now, its canary
// pods are not known to be ready, and it has passed no analysis yet.
func (d *decider) resetStep() {
	now := d.now
	d.st.StepSetTime = &now
	d.st.StepStartTime = nil
	d.st.PassedAnalyses = 0
}

// currentStep is status.currentStep, kept within the spec's steps (which may have been
// edited during the rollout).
func (d *decider) currentStep() int32 {
	if d.st.CurrentStep == nil || *d.st.CurrentStep < 0 {
		return 0
	}
	return min(*d.st.CurrentStep, d.cfg.lastStep())
}

// progress advances a rollout in progress as far as this pass allows.
func (d *decider) progress() {
	step := d.currentStep()
	d.st.CurrentStep = &step
	if d.st.StepSetTime == nil {
		d.resetStep()
	}
	frozen := d.frozen()

	if d.ctl.retry && frozen != "" {
		d.unfreeze(v1alpha1.ReasonRetried, fmt.Sprintf("retried with the %s annotation", v1alpha1.AnnotationRetry))
		d.resetStep()
		d.event(eventNormal, v1alpha1.ReasonRetried, "%s is analysed again: retried with the %s annotation", d.stepLabel(step), v1alpha1.AnnotationRetry)
		frozen = ""
	}
	if d.ctl.promote {
		if frozen != "" {
			d.unfreeze(v1alpha1.ReasonStepPromoted, fmt.Sprintf("promoted with the %s annotation", v1alpha1.AnnotationPromote))
			frozen = ""
		}
		if d.ctl.promoteFull || step == d.cfg.lastStep() {
			d.promote(fmt.Sprintf("promoted at %s with the %s annotation", d.stepLabel(step), v1alpha1.AnnotationPromote))
			d.steady()
			return
		}
		d.advance(step, "was skipped with the "+v1alpha1.AnnotationPromote+" annotation")
		step++
	}
	if d.cfg.paused {
		if d.st.Phase != v1alpha1.PhasePaused {
			// Once, on entering the pause: the phase in status remembers it.
			d.event(eventNormal, v1alpha1.ReasonPaused, "spec.paused is true: the rollout of revision %s holds at %s", d.st.Canary.Revision, d.stepLabel(step))
		}
		d.st.Phase = v1alpha1.PhasePaused
		d.planStep(step)
		d.condition(v1alpha1.ConditionProgressing, metav1.ConditionTrue, v1alpha1.ReasonPaused,
			fmt.Sprintf("spec.paused is true: the rollout of revision %s holds at %s", d.st.Canary.Revision, d.stepLabel(step)))
		return
	}
	if frozen != "" {
		d.holdFrozen(step, frozen)
		return
	}
	if d.conditionIs(v1alpha1.ConditionProgressing, v1alpha1.ReasonPaused) && d.st.StepStartTime == nil {
		// Time spent paused does not count against the progress deadline.
		d.resetStep()
	}
	d.runStep(step)
}

// runStep sets the step's weight, waits for its canary pods, records the analysis of
// this pass, and moves on when the step has passed; a step passed in this pass is
// followed by the next one at once.
func (d *decider) runStep(step int32) {
	for {
		d.st.Phase = v1alpha1.PhaseProgressing
		wantCanary, f := d.planStep(step)
		if f.held {
			d.holdBudget(step, f)
			return
		}
		if d.conditionIs(v1alpha1.ConditionDegraded, v1alpha1.ReasonBudgetHeld) {
			d.notDegraded(v1alpha1.ReasonBudgetHeld, "the connection budget allows "+d.stepLabel(step))
			if d.st.StepStartTime == nil {
				d.resetStep() // the hold does not count against the progress deadline
			}
		}

		if d.st.StepStartTime == nil {
			if !d.in.Canary.rolledOut(d.st.Canary.Revision, wantCanary) || d.plan.Canary.Replicas != wantCanary {
				d.waitForCanary(step, wantCanary)
				return
			}
			now := d.now
			d.st.StepStartTime = &now
		}

		if d.in.Analysis != nil && !d.analysisUsed {
			d.analysisUsed = true
			if stop := d.record(step); stop {
				return
			}
		}
		if !d.stepPassed(step) {
			d.scheduleAnalysis(step)
			d.condition(v1alpha1.ConditionProgressing, metav1.ConditionTrue, d.progressReason(step),
				fmt.Sprintf("revision %s at %s: %d of %d analyses passed", d.st.Canary.Revision, d.stepLabel(step),
					d.st.PassedAnalyses, d.cfg.requiredPasses(step)))
			return
		}
		if step == d.cfg.lastStep() {
			d.promote(fmt.Sprintf("passed all %d steps", len(d.cfg.steps)))
			d.steady()
			return
		}
		d.advance(step, fmt.Sprintf("passed %d analyses", d.st.PassedAnalyses))
		step++
	}
}

// planStep plans both Deployments for a step. The canary grows to the step's pods; the
// stable track gives up a pod for each canary pod that is available, so that the
// instance keeps spec.replicas available pods while the canary starts. When the
// connection budget cannot hold both, the stable track shrinks first and the canary
// grows once the stable pods are gone; when it cannot hold the step's pods even then,
// the step is held where it is. It returns the canary pods the step wants and what the
// budget allowed.
func (d *decider) planStep(step int32) (int32, fit) {
	n := d.cfg.replicas
	stable, canary := *d.st.Stable, *d.st.Canary
	wantCanary := CanaryReplicas(n, d.cfg.steps[step].Weight)
	floor := n - wantCanary

	wantStable := n - min(wantCanary, d.in.Canary.available(canary.Revision))
	if d.in.Stable != nil {
		// Never grow the stable track back while the canary is catching up.
		wantStable = min(wantStable, d.in.Stable.Replicas)
	}
	wantStable = max(wantStable, floor)

	loads := [2]load{
		loadOf(d.in.Stable, stable, wantStable, d.known),
		loadOf(d.in.Canary, canary, wantCanary, d.known),
	}
	var f fit
	if d.cfg.budget != nil && int64(floor)*int64(loads[stableTrack].conns)+int64(wantCanary)*int64(loads[canaryTrack].conns) > int64(*d.cfg.budget) {
		loads[stableTrack].want = floor
		f = d.holdWhereItIs(loads)
	} else {
		f = fitBudget(d.cfg.budget, loads)
		if f.held && wantStable > floor {
			loads[stableTrack].want = floor
			f = fitBudget(d.cfg.budget, loads)
		}
	}
	d.plan.Stable = TrackPlan{Revision: stable, Replicas: f.pods[stableTrack], Surge: f.surge[stableTrack]}
	d.plan.Canary = &TrackPlan{Revision: canary, Replicas: f.pods[canaryTrack], Surge: f.surge[canaryTrack]}
	d.st.CanaryWeight = Weight(f.pods[canaryTrack], n)
	return wantCanary, f
}

// holdWhereItIs keeps both Deployments at their current replicas: the step's pods do
// not fit in the budget even once every change has settled, so moving towards them
// would only take capacity away for nothing.
func (d *decider) holdWhereItIs(loads [2]load) fit {
	f := fit{loads: loads, held: true}
	for _, l := range loads {
		f.need += int64(l.want) * int64(l.conns)
	}
	f.pods[stableTrack] = loads[stableTrack].want
	if d.in.Stable != nil {
		f.pods[stableTrack] = d.in.Stable.Replicas
	}
	if d.in.Canary != nil && d.in.Canary.Revision == d.st.Canary.Revision {
		f.pods[canaryTrack] = d.in.Canary.Replicas
	}
	f.surge = surgesFit(d.cfg.budget, loads, f.pods)
	return f
}

// waitForCanary waits for the step's canary pods; past the progress deadline the step
// fails as a failed analysis would.
func (d *decider) waitForCanary(step, want int32) {
	deadline := d.st.StepSetTime.Add(d.cfg.progressDeadline)
	ready := int32(0)
	if d.in.Canary != nil && d.in.Canary.Revision == d.st.Canary.Revision {
		ready = d.in.Canary.AvailableReplicas
	}
	if !d.now.Time.Before(deadline) {
		d.fail(step, v1alpha1.ReasonProgressDeadline,
			fmt.Sprintf("the canary pods of %s were not ready within the progress deadline of %s (%d of %d available)",
				d.stepLabel(step), v1alpha1.ShortDuration(d.cfg.progressDeadline), ready, want))
		return
	}
	d.after(deadline.Sub(d.now.Time))
	d.condition(v1alpha1.ConditionProgressing, metav1.ConditionTrue, d.progressReason(step),
		fmt.Sprintf("revision %s at %s: waiting for the canary pods (%d of %d available)", d.st.Canary.Revision, d.stepLabel(step), ready, want))
}

// holdBudget holds a step the connection budget cannot take.
func (d *decider) holdBudget(step int32, f fit) {
	s, c := f.loads[stableTrack], f.loads[canaryTrack]
	need := fmt.Sprintf("%d stable pods × %d + %d canary pods × %d connections", s.want, s.conns, c.want, c.conns)
	if static := int64(s.want)*int64(s.conns) + int64(c.want)*int64(c.conns); f.need > static {
		need += fmt.Sprintf(" + %d for a pod being replaced", f.need-static)
	}
	msg := fmt.Sprintf("%s needs %s = %d, more than spec.database.maxServerConnections %d; holding at %d stable and %d canary pods",
		d.stepLabel(step), need, f.need, *d.cfg.budget, f.pods[stableTrack], f.pods[canaryTrack])
	if !d.conditionIs(v1alpha1.ConditionDegraded, v1alpha1.ReasonBudgetHeld) {
		d.event(eventWarning, v1alpha1.ReasonBudgetHeld, "%s", msg)
	}
	d.condition(v1alpha1.ConditionDegraded, metav1.ConditionTrue, v1alpha1.ReasonBudgetHeld, msg)
	d.condition(v1alpha1.ConditionProgressing, metav1.ConditionTrue, v1alpha1.ReasonBudgetHeld,
		fmt.Sprintf("revision %s holds before %s: see the Degraded condition", d.st.Canary.Revision, d.stepLabel(step)))
}

// progressReason is the Progressing reason of a running step.
func (d *decider) progressReason(step int32) string {
	if step == 0 {
		return v1alpha1.ReasonRolloutStarted
	}
	return v1alpha1.ReasonStepPromoted
}

// record counts the analysis of this pass. It reports whether the rollout stopped
// (failed or froze).
func (d *decider) record(step int32) (stop bool) {
	a := d.in.Analysis.DeepCopy()
	if a.Early && a.Verdict != v1alpha1.VerdictFail {
		// A sample between analyses only counts when it decided a failure.
		return false
	}
	a.Step = step
	if a.Time.IsZero() {
		a.Time = d.now
	} else {
		a.Time = metav1.NewTime(a.Time.Truncate(time.Second))
	}
	d.st.LastAnalysis = a
	d.st.Analyses = append(d.st.Analyses, *a)
	if n := len(d.st.Analyses); n > v1alpha1.MaxAnalyses {
		d.st.Analyses = d.st.Analyses[n-v1alpha1.MaxAnalyses:]
	}
	d.plan.Metrics.AnalysisVerdict = a.Verdict
	switch a.Verdict {
	case v1alpha1.VerdictPass:
		d.st.PassedAnalyses++
		d.st.ConsecutiveInconclusive = 0
	case v1alpha1.VerdictFail:
		d.st.FailedAnalyses++
		d.st.ConsecutiveInconclusive = 0
		d.event(eventWarning, v1alpha1.ReasonAnalysisFailed, "%s: analysis failed (%d of failureLimit %d): %s",
			d.stepLabel(step), d.st.FailedAnalyses, d.cfg.failureLimit, a.Message)
		if d.st.FailedAnalyses >= d.cfg.failureLimit {
			d.fail(step, v1alpha1.ReasonAnalysisFailed, a.Message)
			return true
		}
	default:
		d.st.ConsecutiveInconclusive++
		typ := eventNormal
		if d.st.ConsecutiveInconclusive >= d.cfg.inconclusiveLimit {
			typ = eventWarning
		}
		d.event(typ, v1alpha1.ReasonAnalysisInconclusive, "%s: analysis inconclusive (%d in a row, inconclusiveLimit %d): %s",
			d.stepLabel(step), d.st.ConsecutiveInconclusive, d.cfg.inconclusiveLimit, a.Message)
		if d.st.ConsecutiveInconclusive >= d.cfg.inconclusiveLimit {
			d.freeze(step, v1alpha1.ReasonAnalysisInconclusive, fmt.Sprintf(
				"%d analyses in a row were inconclusive, the last: %s; paused at %s: make sure the canary gets traffic and exports its pool metrics, then set %s or %s",
				d.st.ConsecutiveInconclusive, a.Message, d.stepLabel(step), v1alpha1.AnnotationRetry, v1alpha1.AnnotationPromote))
			return true
		}
	}
	return false
}

// stepPassed reports whether the step has been analysed for its whole pause with the
// passing analyses it needs, the latest of them passing.
func (d *decider) stepPassed(step int32) bool {
	start, last := d.st.StepStartTime, d.st.LastAnalysis
	return start != nil &&
		!d.now.Time.Before(start.Add(d.cfg.pause(step))) &&
		d.st.PassedAnalyses >= d.cfg.requiredPasses(step) &&
		last != nil && last.Step == step && !last.Time.Before(start) && last.Verdict == v1alpha1.VerdictPass
}

// scheduleAnalysis asks for the step's next analysis when it is due (at once when the
// step has none yet, so that a source needing a baseline takes it at the step's
// start), or for a pass when it will be.
//
// The Compare judge measures the step's totals at every look, so its first analysis
// is due one interval after the step's start, and until an analysis is due it asks for
// a sample every sampleInterval: a look whose sequential tests may decide a failure
// at once. A sample that decides nothing records nothing.
func (d *decider) scheduleAnalysis(step int32) {
	start := *d.st.StepStartTime
	due := start.Time
	compare := d.cfg.judge == v1alpha1.JudgeCompare
	if compare {
		due = start.Add(d.cfg.interval)
	}
	if last := d.st.LastAnalysis; last != nil && last.Step == step && !last.Time.Before(&start) {
		due = last.Time.Add(d.cfg.interval)
	}
	sample := d.now.Time.Before(due)
	// The wait is counted from the pass's own time, not the whole second it records,
	// so that the pass that takes the analysis comes when it falls due rather than up
	// to a second later.
	wait := due.Sub(d.in.Now)
	if sample && !compare {
		d.analysisAfter(wait)
		return
	}
	if d.in.Analysis != nil {
		if !sample {
			// The analysis fell due in a pass that took one already (the step just
			// advanced): the next pass takes it.
			d.analysisAfter(minRequeue)
			return
		}
		d.after(minRequeue)
		d.plan.AnalysisAfter = wait
		return
	}
	if sample {
		d.after(min(d.cfg.sampleInterval, wait))
		d.plan.AnalysisAfter = wait
	}
	d.plan.Analysis = &AnalysisRequest{
		Step:     step,
		Since:    start.Time,
		Interval: d.cfg.interval,
		Canary:   *d.st.Canary,
		Stable:   *d.st.Stable,
		Judge:    d.cfg.judge,
		Sample:   sample,
	}
}

// advance moves from a passed (or skipped) step to the next one.
func (d *decider) advance(step int32, why string) {
	d.plan.Metrics.StepDuration = d.now.Sub(d.st.StepSetTime.Time)
	next := step + 1
	d.event(eventNormal, v1alpha1.ReasonStepPromoted, "%s %s; %s: %d of %d pods on revision %s",
		d.stepLabel(step), why, d.stepLabel(next), CanaryReplicas(d.cfg.replicas, d.cfg.steps[next].Weight), d.cfg.replicas, d.st.Canary.Revision)
	d.st.CurrentStep = &next
	d.resetStep()
}

// promote makes the canary revision stable. The canary Deployment keeps its pods until
// the stable Deployment has them (see planStableOnly).
func (d *decider) promote(why string) {
	c := *d.st.Canary
	from := *d.st.Stable
	d.plan.Metrics.Promoted = true
	if d.st.StepSetTime != nil {
		d.plan.Metrics.StepDuration = d.now.Sub(d.st.StepSetTime.Time)
	}
	d.st.History = appendHistory(d.st.History, entry(c, v1alpha1.OutcomePromoted, why, d.now))
	d.event(eventNormal, v1alpha1.ReasonPromoted, "revision %s (%s) promoted to stable, replacing %s (%s): %s",
		c.Revision, describe(c), from.Revision, describe(from), why)
	d.st.Stable = &c
	d.st.Canary = nil
}

// abort ends a canary without failing it: the spec changed, or a person aborted it.
func (d *decider) abort(c v1alpha1.RevisionStatus, why string) {
	d.st.History = appendHistory(d.st.History, entry(c, v1alpha1.OutcomeAborted, why, d.now))
	d.event(eventNormal, v1alpha1.ReasonAborted, "the rollout of revision %s was aborted, its canary scaled to 0: %s", c.Revision, why)
	d.plan.Metrics.RollbackReason = v1alpha1.ReasonAborted
	d.st.Canary = nil
	d.notDegraded(v1alpha1.ReasonAborted, "the rollout of revision "+c.Revision+" was aborted")
}

// fail handles a failed step: with onFailure Rollback the canary goes to 0 pods at once
// and its revision is held back; with Pause the rollout freezes where it is.
func (d *decider) fail(step int32, reason, message string) {
	c := *d.st.Canary
	if d.cfg.onFailure == v1alpha1.FailurePause {
		d.freeze(step, reason, fmt.Sprintf("%s; frozen at %s because spec.rollout.onFailure is Pause: set %s, %s or %s, or change the spec",
			message, d.stepLabel(step), v1alpha1.AnnotationPromote, v1alpha1.AnnotationRetry, v1alpha1.AnnotationAbort))
		return
	}
	msg := fmt.Sprintf("revision %s rolled back at %s: %s", c.Revision, d.stepLabel(step), message)
	d.st.History = appendHistory(d.st.History, entry(c, v1alpha1.OutcomeRolledBack, message, d.now))
	d.st.Canary = nil
	d.st.FailedRevision = c.Revision
	d.plan.Metrics.RollbackReason = reason
	d.event(eventWarning, v1alpha1.ReasonRolledBack, "%s; stable revision %s runs every pod", msg, d.st.Stable.Revision)
	d.condition(v1alpha1.ConditionRolledBack, metav1.ConditionTrue, reason, msg)
	d.rolledBack()
}

// freeze stops the rollout at the step's weight until a person acts.
func (d *decider) freeze(step int32, reason, message string) {
	d.condition(v1alpha1.ConditionDegraded, metav1.ConditionTrue, reason, message)
	if reason != v1alpha1.ReasonAnalysisInconclusive {
		d.event(eventWarning, reason, "%s", message)
	}
	d.holdFrozen(step, reason)
}

// holdFrozen keeps a frozen rollout's pods where they are.
func (d *decider) holdFrozen(step int32, reason string) {
	d.st.Phase = v1alpha1.PhaseDegraded
	if reason == v1alpha1.ReasonAnalysisInconclusive {
		d.st.Phase = v1alpha1.PhasePaused
	}
	d.planStep(step)
	d.condition(v1alpha1.ConditionProgressing, metav1.ConditionTrue, v1alpha1.ReasonPaused,
		fmt.Sprintf("the rollout of revision %s is frozen at %s: see the Degraded condition", d.st.Canary.Revision, d.stepLabel(step)))
}

// unfreeze lets a frozen rollout go on with fresh counters.
func (d *decider) unfreeze(reason, message string) {
	d.notDegraded(reason, message)
	d.st.FailedAnalyses = 0
	d.st.ConsecutiveInconclusive = 0
}
