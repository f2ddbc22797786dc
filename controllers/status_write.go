package controllers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/interviewapi/operator/internal/rollout"
)

// updateStatus writes p.status if it differs from the stored one: none in a steady
// state. The status is whole already: the rollout engine decided all of it from what
// the pass observed (rollout.Plan.Status), or a failed phase added its failure to it
// (rollout.StatusAfterFailure); the reconciler changes none of it, but for
// status.recommendation, which advise.go sets when internal/advice.Next says it
// changed materially.
func (r *InterviewAPIReconciler) updateStatus(ctx context.Context, p *pass) error {
	r.Metrics.RolloutObserved(p.instance.Namespace, p.instance.Name, rollout.PhaseNumber(p.status.Phase), p.status.CanaryWeight,
		p.status.Canary != nil)
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
