package controllers

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/resources"
	"github.com/interviewapi/operator/internal/rollout"
)

// render builds the two Deployments of the plan, and notes whether the stable one is
// about to change: the status, written before the Deployments are applied, must not
// call an instance settled in the pass that changes its pods.
func (r *InterviewAPIReconciler) render(p *pass) error {
	stableConns, canaryConns := connections(p.plan.Stable), int64(0)
	if c := p.plan.Canary; c != nil {
		canaryConns = connections(*c)
	}

	var err error
	if p.desiredStable, err = renderDeployment(p.instance, iapiv1alpha1.TrackStable, p.plan.Stable, canaryConns); err != nil {
		return err
	}
	p.desiredCanary = nil
	if c := p.plan.Canary; c != nil {
		if p.desiredCanary, err = renderDeployment(p.instance, iapiv1alpha1.TrackCanary, *c, stableConns); err != nil {
			return err
		}
	}
	p.stableChanging, err = wouldChange(p.stable, p.desiredStable)
	return err
}

// renderDeployment is one track's Deployment. otherConnections are the connections
// the other track may hold: a rolling update only starts its extra pod when that pod
// fits in spec.database.maxServerConnections beside them.
func renderDeployment(in *iapiv1alpha1.InterviewAPI, track string, t rollout.TrackPlan, otherConnections int64) (*appsv1ac.DeploymentApplyConfiguration, error) {
	return resources.Deployment(in, resources.DeploymentParams{
		Track:    track,
		Revision: t.Revision,
		Replicas: t.Replicas,
		NoSurge:  !resources.SurgeFits(in, t.Replicas, t.Revision.Pool, otherConnections),
	})
}

// connections is the most database connections a track's pods may open.
func connections(t rollout.TrackPlan) int64 {
	return int64(t.Replicas) * int64(t.Revision.Pool.MaxConnections())
}

// wouldChange reports whether applying desired would write to the Deployment: it is
// absent, or a field the operator owns differs.
func wouldChange(live *appsv1.Deployment, desired *appsv1ac.DeploymentApplyConfiguration) (bool, error) {
	if live == nil {
		return true, nil
	}
	owned, err := appsv1ac.ExtractDeployment(live, FieldOwner)
	if err != nil {
		return false, fmt.Errorf("read the fields %s owns on Deployment %s: %w", FieldOwner, live.Name, err)
	}
	same, err := sameApplyConfiguration(owned, desired)
	return !same, err
}
