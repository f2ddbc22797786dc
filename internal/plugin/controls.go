package plugin

import (
	"fmt"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// Values of the promote annotation.
const (
	promoteNext = "next"
	promoteFull = "full"
)

// annotationRequested is the value of the abort and retry annotations; the operator
// acts on their presence and removes them.
const annotationRequested = "true"

// The checks below refuse a control that the operator could not act on, so that an
// annotation never lingers on an object with nothing to promote, abort or retry.

func checkCanRollForward(obj *iapiv1alpha1.InterviewAPI, verb string) error {
	if obj.Status.Canary == nil {
		return fmt.Errorf("interviewapi %s has no canary to %s (phase %s, stable revision %s)",
			obj.Name, verb, phaseOrUnknown(obj), revisionOrNone(obj.Status.Stable))
	}
	return nil
}

func checkCanRetry(obj *iapiv1alpha1.InterviewAPI) error {
	st := obj.Status
	switch {
	case st.FailedRevision != "",
		st.Phase == iapiv1alpha1.PhaseRolledBack,
		st.Phase == iapiv1alpha1.PhaseDegraded,
		st.Phase == iapiv1alpha1.PhasePaused && !obj.Spec.Paused:
		return nil
	case obj.Spec.Paused:
		return fmt.Errorf("interviewapi %s is paused by spec.paused, not by a failure: use `kubectl interviewapi resume %s`", obj.Name, obj.Name)
	}
	return fmt.Errorf("interviewapi %s has nothing to retry: phase %s and no rolled-back revision", obj.Name, phaseOrUnknown(obj))
}

// promoteMessage says what a promote request will do.
func promoteMessage(obj *iapiv1alpha1.InterviewAPI, full bool) string {
	canary := describeRevision(obj.Status.Canary)
	if full {
		return fmt.Sprintf("interviewapi %s: full promotion requested: canary %s becomes stable at once, skipping the remaining steps", obj.Name, canary)
	}
	steps := rolloutSteps(obj)
	next := currentStepIndex(obj) + 1
	if next >= len(steps) {
		return fmt.Sprintf("interviewapi %s: promotion requested: canary %s is at the last step and becomes stable", obj.Name, canary)
	}
	return fmt.Sprintf("interviewapi %s: promotion requested: canary %s skips to step %d of %d (weight %d%%)",
		obj.Name, canary, next+1, len(steps), steps[next].Weight)
}

func abortMessage(obj *iapiv1alpha1.InterviewAPI) string {
	return fmt.Sprintf("interviewapi %s: abort requested: canary %s goes to 0 replicas, stable %s stays; it is not retried until the spec changes or `kubectl interviewapi retry %s`",
		obj.Name, describeRevision(obj.Status.Canary), describeRevision(obj.Status.Stable), obj.Name)
}

func retryMessage(obj *iapiv1alpha1.InterviewAPI) string {
	target := obj.Spec.DesiredRevision()
	return fmt.Sprintf("interviewapi %s: retry requested: revision %s is rolled out again from the first step", obj.Name, describeRevision(&target))
}

func pauseMessage(obj *iapiv1alpha1.InterviewAPI, changed bool) string {
	if !changed {
		return fmt.Sprintf("interviewapi %s was already paused (spec.paused is true)", obj.Name)
	}
	return fmt.Sprintf("interviewapi %s paused: no step advances and no analysis runs until `kubectl interviewapi resume %s`", obj.Name, obj.Name)
}

func resumeMessage(obj *iapiv1alpha1.InterviewAPI, changed bool) string {
	if !changed {
		return fmt.Sprintf("interviewapi %s was not paused (spec.paused is false)", obj.Name)
	}
	if obj.Status.Canary == nil {
		return fmt.Sprintf("interviewapi %s resumed; no rollout is in progress", obj.Name)
	}
	return fmt.Sprintf("interviewapi %s resumed: the rollout continues from step %d of %d", obj.Name, currentStepIndex(obj)+1, len(rolloutSteps(obj)))
}

func rollbackMessage(obj *iapiv1alpha1.InterviewAPI, t rollbackTarget, changed bool) string {
	rev := describeRevision(t.revision())
	if !changed {
		return fmt.Sprintf("interviewapi %s already asks for revision %s (history #%d, %s); nothing changed", obj.Name, rev, t.index+1, t.entry.Outcome)
	}
	return fmt.Sprintf("interviewapi %s rolled back: spec.database set to revision %s (history #%d, %s %s); within spec.rollout.rollbackWindow the operator applies it without steps",
		obj.Name, rev, t.index+1, t.entry.Outcome, t.entry.Time.UTC().Format(timeLayout))
}

// currentStepIndex is status.currentStep, or 0 before the first step is set.
func currentStepIndex(obj *iapiv1alpha1.InterviewAPI) int {
	if obj.Status.CurrentStep == nil {
		return 0
	}
	return int(*obj.Status.CurrentStep)
}

func phaseOrUnknown(obj *iapiv1alpha1.InterviewAPI) string {
	if obj.Status.Phase == "" {
		return "unknown (not reconciled yet)"
	}
	return string(obj.Status.Phase)
}

func revisionOrNone(r *iapiv1alpha1.RevisionStatus) string {
	if r == nil {
		return "none"
	}
	return r.Revision
}

// describeRevision is "HASH (MODE, pool SIZE+OVERFLOW/TIMEOUT/RECYCLE)".
func describeRevision(r *iapiv1alpha1.RevisionStatus) string {
	if r == nil {
		return "none"
	}
	return fmt.Sprintf("%s (%s, pool %s)", r.Revision, iapiv1alpha1.ModeName(r.Async), r.Pool.String())
}
