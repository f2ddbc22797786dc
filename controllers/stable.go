package controllers

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/resources"
)

// reconcileStable applies the NAME-stable Deployment with the planned stable revision
// and replicas.
func (r *InterviewAPIReconciler) reconcileStable(ctx context.Context, p *pass) error {
	var canaryConnections int64
	if c := p.plan.Canary; c != nil {
		canaryConnections = int64(c.Replicas) * int64(c.Revision.Pool.MaxConnections())
	}
	t := p.plan.Stable
	desired, err := resources.Deployment(p.instance, resources.DeploymentParams{
		Track:    iapiv1alpha1.TrackStable,
		Revision: t.Revision,
		Replicas: t.Replicas,
		NoSurge:  !resources.SurgeFits(p.instance, t.Replicas, t.Revision.Pool, canaryConnections),
	})
	if err != nil {
		return err
	}
	p.stable, err = reconcileChild(ctx, r, p, "Deployment", p.instance.StableName(), p.stable, p.stable != nil,
		appsv1ac.ExtractDeployment, desired, newDeployment)
	return err
}

func newDeployment() *appsv1.Deployment { return &appsv1.Deployment{} }
