package controllers

import (
	"context"
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// updateStatus computes the status from what the pass observed and did, and writes it
// if it differs from the stored one: one write at most per pass, none in a steady
// state. reconcileErr is the failure of a phase, if any.
func (r *InterviewAPIReconciler) updateStatus(ctx context.Context, p *pass, reconcileErr error) error {
	computeStatus(p, reconcileErr)
	if equality.Semantic.DeepEqual(p.instance.Status, p.status) {
		return nil
	}
	obj := p.instance.DeepCopy()
	obj.Status = p.status
	// Update, not patch: the resourceVersion check refuses to overwrite a status
	// computed from an older instance; the conflict requeues the pass.
	if err := r.Client.Status().Update(ctx, obj); err != nil {
		return fmt.Errorf("update the status of %s/%s: %w", obj.Namespace, obj.Name, err)
	}
	r.Metrics.StatusUpdated()
	return nil
}

// computeStatus fills the observed fields and the conditions of p.status. While a
// canary runs, the rollout engine owns the phase and the Progressing and RolledBack
// conditions; they are left as it set them.
func computeStatus(p *pass, reconcileErr error) {
	in := p.instance
	s := &p.status
	s.ObservedGeneration = in.Generation
	s.Selector = labels.SelectorFromSet(in.SelectorLabels()).String()
	stablePods, stableReady := podCounts(p.stable)
	canaryPods, canaryReady := podCounts(p.canary)
	s.Replicas, s.ReadyReplicas = stablePods+canaryPods, stableReady+canaryReady
	if s.Stable != nil {
		s.Pool = s.Stable.Pool.String()
		s.Mode = iapiv1alpha1.ModeName(s.Stable.Async)
		if s.Canary != nil && s.Canary.Async != s.Stable.Async {
			s.Mode += "→" + iapiv1alpha1.ModeName(s.Canary.Async)
		}
	}

	declared := in.Spec.ReplicasOrDefault()
	available := s.ReadyReplicas >= declared
	setCondition(p, iapiv1alpha1.ConditionAvailable, available,
		pick(available, iapiv1alpha1.ReasonReplicasReady, iapiv1alpha1.ReasonReplicasNotReady),
		fmt.Sprintf("%d of %d server pods ready", s.ReadyReplicas, declared))

	stable := deploymentRollout(p.stable, in.StableName())
	degraded, degradedReason, degradedMessage := false, iapiv1alpha1.ReasonReconciled, "the server runs as declared"
	var notOwned *notOwnedError
	switch {
	case errors.As(reconcileErr, &notOwned):
		degraded, degradedReason, degradedMessage = true, iapiv1alpha1.ReasonChildNotOwned, reconcileErr.Error()
	case reconcileErr != nil:
		degraded, degradedReason, degradedMessage = true, iapiv1alpha1.ReasonReconcileFailed, reconcileErr.Error()
	case stable.Failed:
		degraded, degradedReason, degradedMessage = true, stable.Reason, stable.Message
	case stable.Done && !available:
		degraded, degradedReason = true, iapiv1alpha1.ReasonReplicasNotReady
		degradedMessage = fmt.Sprintf("only %d of %d server pods are ready", s.ReadyReplicas, declared)
	}
	setCondition(p, iapiv1alpha1.ConditionDegraded, degraded, degradedReason, degradedMessage)

	if meta.FindStatusCondition(s.Conditions, iapiv1alpha1.ConditionRolledBack) == nil {
		setCondition(p, iapiv1alpha1.ConditionRolledBack, false, iapiv1alpha1.ReasonNoRollout, "no rollout has been rolled back")
	}
	if s.Canary != nil {
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
