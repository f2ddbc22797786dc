package controllers

import (
	"context"

	policyv1 "k8s.io/api/policy/v1"
	policyv1ac "k8s.io/client-go/applyconfigurations/policy/v1"

	"github.com/interviewapi/operator/internal/resources"
)

// reconcilePDB applies the PodDisruptionBudget NAME over the pods of both tracks.
func (r *InterviewAPIReconciler) reconcilePDB(ctx context.Context, p *pass) error {
	var err error
	p.pdb, err = reconcileChild(ctx, r, p, "PodDisruptionBudget", p.instance.Name, p.pdb, p.pdb != nil,
		policyv1ac.ExtractPodDisruptionBudget, resources.PodDisruptionBudget(p.instance),
		func() *policyv1.PodDisruptionBudget { return &policyv1.PodDisruptionBudget{} })
	return err
}
