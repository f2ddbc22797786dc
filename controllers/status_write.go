package controllers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/rollout"
)

// updateStatus completes the status from what the pass observed and writes it if it
// differs from the stored one: none in a steady state. reconcileErr is the failure of
// a phase, if any.
func (r *InterviewAPIReconciler) updateStatus(ctx context.Context, p *pass, reconcileErr error) error {
	computeStatus(p, reconcileErr)
	r.Metrics.RolloutObserved(p.instance.Namespace, p.instance.Name, rollout.PhaseNumber(p.status.Phase), p.status.CanaryWeight)
	if equality.Semantic.DeepEqual(p.instance.Status, p.status) {
		return nil
	}
	obj := p.instance.DeepCopy()
	obj.Status = *p.status.DeepCopy()
	// Update, not patch: the resourceVersion check refuses to overwrite a status
	// decided from an older instance; the conflict requeues the pass.
	if err := r.Client.Status().Update(ctx, obj); err != nil {
		return fmt.Errorf("update the status of %s/%s: %w", obj.Namespace, obj.Name, err)
	}
	r.Metrics.StatusUpdated()
	p.instance = obj
	return nil
}

// computeStatus completes p.status. The rollout engine's decision is already in it:
// phase, mode, pool, revisions, step, weight, analyses, history, and the Progressing,
// Degraded and RolledBack conditions. This adds what only the reconciler sees: the
// pod counts, the selector, the Available condition, and in Degraded the failures of
// its own phases and of the Deployments. When no rollout runs (p.steady), the phase
// and Progressing follow the stable Deployment, which also rolls its pods for changes
// that are not a new revision (image, replicas).
func computeStatus(p *pass, reconcileErr error) {
	in := p.instance
	s := &p.status
	s.ObservedGeneration = in.Generation
	s.Selector = labels.SelectorFromSet(in.SelectorLabels()).String()
	stablePods, stableReady := podCounts(p.stable)
	canaryPods, canaryReady := podCounts(p.canary)
	s.Replicas, s.ReadyReplicas = stablePods+canaryPods, stableReady+canaryReady

	declared := in.Spec.ReplicasOrDefault()
	available := s.ReadyReplicas >= declared
	setCondition(p, iapiv1alpha1.ConditionAvailable, available,
		pick(available, iapiv1alpha1.ReasonReplicasReady, iapiv1alpha1.ReasonReplicasNotReady),
		fmt.Sprintf("%d of %d server pods ready", s.ReadyReplicas, declared))

	stable := deploymentRollout(p.stable, in.StableName())
	if p.stableChanging {
		stable = rolloutState{Reason: iapiv1alpha1.ReasonRollingUpdate,
			Message: fmt.Sprintf("Deployment %s: applying a new pod template or replica count", in.StableName())}
	}
	degraded, degradedReason, degradedMessage := false, iapiv1alpha1.ReasonReconciled, "the server runs as declared"
	switch {
	case reconcileErr != nil:
		degraded, degradedReason, degradedMessage = true, failureReason(reconcileErr), reconcileErr.Error()
	case stable.Failed:
		degraded, degradedReason, degradedMessage = true, stable.Reason, stable.Message
	case p.steady && stable.Done && !available:
		// During a rollout fewer ready pods than declared is a step in progress
		// (the rollout reports it in Progressing), not a failure.
		degraded, degradedReason = true, iapiv1alpha1.ReasonReplicasNotReady
		degradedMessage = fmt.Sprintf("only %d of %d server pods are ready", s.ReadyReplicas, declared)
	}
	if !rolloutHeld(s) {
		setCondition(p, iapiv1alpha1.ConditionDegraded, degraded, degradedReason, degradedMessage)
	}
	if !p.steady {
		return
	}
	rolling := !stable.Done && !stable.Failed
	setCondition(p, iapiv1alpha1.ConditionProgressing, rolling, stable.Reason, stable.Message)
	switch {
	case degraded:
		s.Phase = iapiv1alpha1.PhaseDegraded
	case available && stable.Done:
		s.Phase = iapiv1alpha1.PhaseHealthy
	default:
		s.Phase = iapiv1alpha1.PhaseProgressing
	}
}

// rolloutHeld reports whether the Degraded condition is the rollout engine's memory
// of a frozen or held rollout: it reads those reasons back in later passes, so the
// reconciler never overwrites them with its own observations.
func rolloutHeld(s *iapiv1alpha1.InterviewAPIStatus) bool {
	c := meta.FindStatusCondition(s.Conditions, iapiv1alpha1.ConditionDegraded)
	if c == nil || c.Status != metav1.ConditionTrue {
		return false
	}
	switch c.Reason {
	case iapiv1alpha1.ReasonBudgetHeld, iapiv1alpha1.ReasonAnalysisFailed,
		iapiv1alpha1.ReasonAnalysisInconclusive, iapiv1alpha1.ReasonProgressDeadline:
		return true
	}
	return false
}

// setCondition sets a condition of p.status, keeping its transition time unless its
// status changes.
func setCondition(p *pass, conditionType string, status bool, reason, message string) {
	meta.SetStatusCondition(&p.status.Conditions, metav1.Condition{
		Type:               conditionType,
		Status:             pick(status, metav1.ConditionTrue, metav1.ConditionFalse),
		Reason:             reason,
		Message:            message,
		ObservedGeneration: p.instance.Generation,
		LastTransitionTime: p.now,
	})
}

func pick[T any](cond bool, ifTrue, ifFalse T) T {
	if cond {
		return ifTrue
	}
	return ifFalse
}
