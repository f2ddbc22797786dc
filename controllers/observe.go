package controllers

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// observe reads the instance and its children from the cache. It returns nil when the
// instance no longer exists or is being deleted: the garbage collector removes the
// children then, and applying them again would fight it (foreground deletion keeps the
// instance until its children are gone).
func (r *InterviewAPIReconciler) observe(ctx context.Context, key types.NamespacedName) (*pass, error) {
	in := &iapiv1alpha1.InterviewAPI{}
	if err := r.Client.Get(ctx, key, in); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("get InterviewAPI %s: %w", key, err)
	}
	if !in.DeletionTimestamp.IsZero() {
		return nil, nil
	}
	now := r.Clock.Now()
	p := &pass{
		instance: in,
		status:   *in.Status.DeepCopy(),
		clockNow: now,
		now:      metav1.NewTime(now.Truncate(time.Second)),
	}
	ns := in.Namespace
	var err error
	if p.stable, _, err = getOptional(ctx, r.Client, ns, in.StableName(), &appsv1.Deployment{}); err != nil {
		return nil, err
	}
	if p.canary, _, err = getOptional(ctx, r.Client, ns, in.CanaryName(), &appsv1.Deployment{}); err != nil {
		return nil, err
	}
	if p.service, _, err = getOptional(ctx, r.Client, ns, in.Name, &corev1.Service{}); err != nil {
		return nil, err
	}
	if p.pdb, _, err = getOptional(ctx, r.Client, ns, in.Name, &policyv1.PodDisruptionBudget{}); err != nil {
		return nil, err
	}
	return p, nil
}

// getOptional reads an object; it returns a nil object and false when there is none.
func getOptional[T client.Object](ctx context.Context, c client.Reader, namespace, name string, obj T) (T, bool, error) {
	var none T
	if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return none, false, nil
		}
		return none, false, fmt.Errorf("get %s/%s: %w", namespace, name, err)
	}
	return obj, true, nil
}
