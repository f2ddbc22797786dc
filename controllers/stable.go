package controllers

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
)

// reconcileStable applies the NAME-stable Deployment the plan rendered.
func (r *InterviewAPIReconciler) reconcileStable(ctx context.Context, p *pass) error {
	var err error
	p.stable, err = reconcileChild(ctx, r, p, "Deployment", p.instance.StableName(), p.stable, p.stable != nil,
		appsv1ac.ExtractDeployment, p.desiredStable, newDeployment)
	return err
}

func newDeployment() *appsv1.Deployment { return &appsv1.Deployment{} }
