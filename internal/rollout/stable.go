package rollout

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// steady runs the stable revision on every pod: no rollout in progress, or a promotion
// whose canary is handing its pods over to the stable track.
func (d *decider) steady() {
	stable := *d.st.Stable
	d.st.Phase = v1alpha1.PhaseHealthy
	if d.planStableOnly() {
		d.st.Phase = v1alpha1.PhaseProgressing
		d.condition(v1alpha1.ConditionProgressing, metav1.ConditionTrue, v1alpha1.ReasonPromoted,
			fmt.Sprintf("%s takes over revision %s from %s: %d of %d pods available",
				d.obj.StableName(), stable.Revision, d.obj.CanaryName(), d.in.Stable.available(stable.Revision), d.cfg.replicas))
	} else {
		d.condition(v1alpha1.ConditionProgressing, metav1.ConditionFalse, v1alpha1.ReasonNoRollout,
			fmt.Sprintf("revision %s (%s) runs on the stable track", stable.Revision, describe(stable)))
	}
	d.notDegraded(v1alpha1.ReasonNoRollout, "no rollout is held")
	d.notRolledBack(v1alpha1.ReasonNoRollout, "the spec asks for the revision the stable track runs")
}

// rolledBack holds a rolled-back revision back: the stable revision runs every pod until
// the spec changes or the retry annotation is set.
func (d *decider) rolledBack() {
	d.st.Phase = v1alpha1.PhaseRolledBack
	d.planStableOnly()
	d.condition(v1alpha1.ConditionProgressing, metav1.ConditionFalse, v1alpha1.ReasonRolledBack,
		fmt.Sprintf("revision %s was rolled back and is not retried until the spec changes or the %s annotation is set",
			d.st.FailedRevision, v1alpha1.AnnotationRetry))
	d.notDegraded(v1alpha1.ReasonRolledBack, "the stable revision runs every pod")
	if !d.conditionIs(v1alpha1.ConditionRolledBack, v1alpha1.ReasonAnalysisFailed) &&
		!d.conditionIs(v1alpha1.ConditionRolledBack, v1alpha1.ReasonProgressDeadline) &&
		!d.conditionIs(v1alpha1.ConditionRolledBack, v1alpha1.ReasonAborted) {
		d.condition(v1alpha1.ConditionRolledBack, metav1.ConditionTrue, v1alpha1.ReasonRolledBack,
			fmt.Sprintf("revision %s was rolled back", d.st.FailedRevision))
	}
}

// waitPaused keeps a new revision waiting while spec.paused is set.
func (d *decider) waitPaused() {
	if d.st.Phase != v1alpha1.PhasePaused {
		d.event(eventNormal, v1alpha1.ReasonPaused, "spec.paused is true: revision %s (%s) waits to be rolled out", d.desired.Revision, describe(d.desired))
	}
	d.st.Phase = v1alpha1.PhasePaused
	d.planStableOnly()
	d.condition(v1alpha1.ConditionProgressing, metav1.ConditionFalse, v1alpha1.ReasonPaused,
		fmt.Sprintf("spec.paused is true: revision %s (%s) waits to be rolled out", d.desired.Revision, describe(d.desired)))
	d.notDegraded(v1alpha1.ReasonPaused, "paused by spec.paused")
}

// fastRollback applies the desired revision to the stable track at once, without
// steps, when it ran there within the rollback window. It reports whether it did.
func (d *decider) fastRollback() bool {
	replacedAt, ok := fastRollbackTarget(d.st.History, d.desired.Revision, d.cfg.rollbackWindow, d.now.Time)
	if !ok {
		return false
	}
	from := *d.st.Stable
	r := d.desired
	reason := fmt.Sprintf("the spec returned to revision %s, which ran on the stable track until %s (within the rollback window of %s): applied without steps",
		r.Revision, replacedAt.UTC().Format("2006-01-02T15:04:05Z"), v1alpha1.ShortDuration(d.cfg.rollbackWindow))
	d.st.Stable = &r
	d.st.History = appendHistory(d.st.History, entry(r, v1alpha1.OutcomeFastRollback, reason, d.now))
	d.event(eventNormal, v1alpha1.ReasonFastRollback, "revision %s (%s) replaces %s (%s) on the stable track: %s",
		r.Revision, describe(r), from.Revision, describe(from), reason)
	d.plan.Metrics.RollbackReason = v1alpha1.ReasonFastRollback
	return true
}

// applyDirectly makes the desired revision stable without a canary.
func (d *decider) applyDirectly(why string) {
	r := d.desired
	d.st.Stable = &r
	d.st.History = appendHistory(d.st.History, entry(r, v1alpha1.OutcomePromoted, why, d.now))
	d.event(eventNormal, v1alpha1.ReasonPromoted, "revision %s (%s) applied to the stable track: %s", r.Revision, describe(r), why)
	d.plan.Metrics.Promoted = true
}

// planStableOnly plans the stable revision on every pod and winds down a canary
// Deployment left from a rollout that ended. A canary running the stable revision is
// a promotion handing over: it keeps as many pods as the stable track still lacks,
// so the instance never has fewer than spec.replicas available pods, and is removed
// once the stable Deployment has them all. Any other canary is scaled to zero at once
// and removed once its pods are gone. It reports whether a handover is in progress.
func (d *decider) planStableOnly() (handover bool) {
	n := d.cfg.replicas
	stable := *d.st.Stable
	obs := d.in.Canary
	canaryRev := stable
	if known := knownRevision(d.st, obs.revision()); known != nil {
		canaryRev = *known
	}
	// The canary's pods, if any, are counted against the stable track's surge until
	// they are gone.
	loads := [2]load{
		loadOf(d.in.Stable, stable, n, d.known),
		loadOf(obs, canaryRev, 0, d.known),
	}
	d.plan.Stable = TrackPlan{Revision: stable, Replicas: n, Surge: surgesFit(d.cfg.budget, loads, [2]int32{n, 0})[stableTrack]}
	d.plan.Canary = nil
	if obs == nil {
		return false
	}
	handover = obs.Revision == stable.Revision
	if handover && d.in.Stable.rolledOut(stable.Revision, n) {
		return false
	}
	if !handover && obs.gone() {
		return false
	}

	if handover {
		loads[canaryTrack].want = min(max(n-d.in.Stable.available(stable.Revision), 0), obs.Replicas)
	}
	f := fitBudget(d.cfg.budget, loads)
	// A budget too tight for both tracks at once: give up one pod of capacity at a
	// time so that the stable track can start its pods.
	for handover && f.held && loads[canaryTrack].want > 0 {
		loads[canaryTrack].want--
		f = fitBudget(d.cfg.budget, loads)
	}
	d.plan.Stable = TrackPlan{Revision: stable, Replicas: f.pods[stableTrack], Surge: f.surge[stableTrack]}
	d.plan.Canary = &TrackPlan{Revision: canaryRev, Replicas: f.pods[canaryTrack], Surge: f.surge[canaryTrack]}
	return handover
}

func (d *decider) known(hash string) *v1alpha1.RevisionStatus { return knownRevision(d.st, hash) }
