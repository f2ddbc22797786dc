package controllers

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// The two Deployments of an instance, NAME-canary and NAME-stable, applied as the
// decision rendered them (see decision.go).

// reconcileCanary applies the NAME-canary Deployment the plan rendered, or removes it
// when the plan runs no canary. It runs before reconcileStable: taking pods off the
// canary (a rollback, an abort) is the urgent write of a pass.
func (r *InterviewAPIReconciler) reconcileCanary(ctx context.Context, p *pass) error {
	if p.desiredCanary == nil {
		return r.removeCanary(ctx, p)
	}
	var err error
	p.canary, err = reconcileChild(ctx, r, p, "Deployment", p.instance.CanaryName(), p.canary, p.canary != nil,
		appsv1ac.ExtractDeployment, p.desiredCanary, newDeployment)
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

// reconcileStable applies the NAME-stable Deployment the plan rendered.
func (r *InterviewAPIReconciler) reconcileStable(ctx context.Context, p *pass) error {
	var err error
	p.stable, err = reconcileChild(ctx, r, p, "Deployment", p.instance.StableName(), p.stable, p.stable != nil,
		appsv1ac.ExtractDeployment, p.desiredStable, newDeployment)
	return err
}

func newDeployment() *appsv1.Deployment { return &appsv1.Deployment{} }
