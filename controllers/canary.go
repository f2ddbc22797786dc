package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/resources"
)

// reconcileCanary applies the NAME-canary Deployment when the plan runs a canary and
// removes it when it does not.
func (r *InterviewAPIReconciler) reconcileCanary(ctx context.Context, p *pass) error {
	c := p.plan.Canary
	if c == nil {
		return r.removeCanary(ctx, p)
	}
	stableConnections := int64(p.plan.Stable.Replicas) * int64(p.plan.Stable.Revision.Pool.MaxConnections())
	desired, err := resources.Deployment(p.instance, resources.DeploymentParams{
		Track:    iapiv1alpha1.TrackCanary,
		Revision: c.Revision,
		Replicas: c.Replicas,
		NoSurge:  !resources.SurgeFits(p.instance, c.Replicas, c.Revision.Pool, stableConnections),
	})
	if err != nil {
		return err
	}
	p.canary, err = reconcileChild(ctx, r, p, "Deployment", p.instance.CanaryName(), p.canary, p.canary != nil,
		appsv1ac.ExtractDeployment, desired, newDeployment)
	return err
}

// removeCanary deletes the instance's NAME-canary Deployment if there is one. Only the
// observed object is deleted (UID precondition), never one created since.
func (r *InterviewAPIReconciler) removeCanary(ctx context.Context, p *pass) error {
	d := p.canary
	if d == nil {
		return nil
	}
	if !metav1.IsControlledBy(d, p.instance) {
		// Its pods may carry the instance's labels and take traffic from the Service.
		return &notOwnedError{kind: "Deployment", name: d.Name}
	}
	uid := d.UID
	err := r.Client.Delete(ctx, d, client.Preconditions{UID: &uid}, client.PropagationPolicy(metav1.DeletePropagationBackground))
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete Deployment %s: %w", d.Name, err)
	}
	r.Metrics.ChildDeleted("Deployment")
	r.Recorder.Eventf(p.instance, d, corev1.EventTypeNormal, iapiv1alpha1.ReasonChildDeleted, "Delete",
		"Deleted Deployment %s: no canary is planned", d.Name)
	p.canary = nil
	return nil
}
