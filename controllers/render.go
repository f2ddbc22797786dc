package controllers

import (
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/resources"
	"github.com/interviewapi/operator/internal/rollout"
)

// deployments are the two Deployments a plan asks for; a nil canary removes
// NAME-canary.
type deployments struct {
	stable, canary *appsv1ac.DeploymentApplyConfiguration
}

// render builds the Deployments of a plan. It decides nothing: revisions, replicas and
// whether a rolling update may surge (the connection budget) are the plan's.
func render(in *iapiv1alpha1.InterviewAPI, plan rollout.Plan) (deployments, error) {
	var d deployments
	var err error
	if d.stable, err = renderDeployment(in, iapiv1alpha1.TrackStable, plan.Stable); err != nil {
		return deployments{}, err
	}
	if c := plan.Canary; c != nil {
		if d.canary, err = renderDeployment(in, iapiv1alpha1.TrackCanary, *c); err != nil {
			return deployments{}, err
		}
	}
	return d, nil
}

func renderDeployment(in *iapiv1alpha1.InterviewAPI, track string, t rollout.TrackPlan) (*appsv1ac.DeploymentApplyConfiguration, error) {
	return resources.Deployment(in, resources.DeploymentParams{
		Track:    track,
		Revision: t.Revision,
		Replicas: t.Replicas,
		NoSurge:  !t.Surge,
	})
}
