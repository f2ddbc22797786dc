package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// plan decides which revision each track runs and with how many pods, and records the
// revisions in status.
//
// This is the seam of the rollout engine: here every revision goes straight to the
// stable track with all of spec.replicas and no canary runs. The rollout engine
// replaces the branch for a changed revision with its canary decision; the first
// revision of an instance stays as it is (nothing to compare it with, so it is applied
// at once and recorded as the Initial entry of the history).
func (r *InterviewAPIReconciler) plan(_ context.Context, p *pass) error {
	in := p.instance
	desired := in.Spec.DesiredRevision()
	replicas := in.Spec.ReplicasOrDefault()

	if p.status.Stable == nil {
		p.status.History = appendHistory(p.status.History, iapiv1alpha1.HistoryEntry{
			Revision: desired.Revision,
			Async:    desired.Async,
			Pool:     desired.Pool,
			Outcome:  iapiv1alpha1.OutcomeInitial,
			Reason:   "first revision of the instance, applied without a rollout",
			Time:     p.now,
		})
		r.Recorder.Eventf(in, nil, corev1.EventTypeNormal, iapiv1alpha1.ReasonInitialRevision, "Plan",
			"revision %s (%s, pool %s) runs on the stable track", desired.Revision, iapiv1alpha1.ModeName(desired.Async), desired.Pool)
	}
	stable := desired
	p.status.Stable = &stable
	p.status.Canary = nil
	p.status.CurrentStep = nil
	p.status.CanaryWeight = 0
	p.plan = plan{Stable: trackPlan{Revision: desired, Replicas: replicas}}
	return nil
}

// appendHistory adds an entry and keeps the newest iapiv1alpha1.MaxHistory.
func appendHistory(history []iapiv1alpha1.HistoryEntry, e iapiv1alpha1.HistoryEntry) []iapiv1alpha1.HistoryEntry {
	history = append(history, e)
	if over := len(history) - iapiv1alpha1.MaxHistory; over > 0 {
		history = history[over:]
	}
	return history
}
