package controllers

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// reasonDeploymentStalled: a Deployment exceeded its own progress deadline. It is not
// iapiv1alpha1.ReasonProgressDeadline, which the rollout engine reads back from the
// Degraded condition as "this canary step failed its deadline".
const reasonDeploymentStalled = "DeploymentStalled"

// rolloutState is where a Deployment is in replacing its pods, read the way
// `kubectl rollout status` reads it.
type rolloutState struct {
	// Done: every pod runs the current template and is available.
	Done bool
	// Failed: the Deployment controller gave up (progress deadline, replica failure).
	Failed bool
	// Reason is a condition reason from the API constants; Message says it in words.
	Reason, Message string
}

func deploymentRollout(d *appsv1.Deployment, name string) rolloutState {
	if d == nil {
		return rolloutState{Reason: iapiv1alpha1.ReasonRollingUpdate, Message: fmt.Sprintf("Deployment %s is not created yet", name)}
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue {
			return rolloutState{Failed: true, Reason: iapiv1alpha1.ReasonReplicaFailure,
				Message: fmt.Sprintf("Deployment %s cannot create pods: %s", d.Name, c.Message)}
		}
	}
	if d.Generation > d.Status.ObservedGeneration {
		return rolloutState{Reason: iapiv1alpha1.ReasonRollingUpdate,
			Message: fmt.Sprintf("Deployment %s: waiting for the change to be observed", d.Name)}
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return rolloutState{Failed: true, Reason: reasonDeploymentStalled,
				Message: fmt.Sprintf("Deployment %s exceeded its progress deadline: %s", d.Name, c.Message)}
		}
	}
	want := ptr.Deref(d.Spec.Replicas, 1)
	s := d.Status
	switch {
	case s.UpdatedReplicas < want:
		return rolloutState{Reason: iapiv1alpha1.ReasonRollingUpdate,
			Message: fmt.Sprintf("Deployment %s: %d of %d pods updated", d.Name, s.UpdatedReplicas, want)}
	case s.Replicas > s.UpdatedReplicas:
		return rolloutState{Reason: iapiv1alpha1.ReasonRollingUpdate,
			Message: fmt.Sprintf("Deployment %s: %d old pods terminating", d.Name, s.Replicas-s.UpdatedReplicas)}
	case s.AvailableReplicas < s.UpdatedReplicas:
		return rolloutState{Reason: iapiv1alpha1.ReasonRollingUpdate,
			Message: fmt.Sprintf("Deployment %s: %d of %d updated pods available", d.Name, s.AvailableReplicas, s.UpdatedReplicas)}
	}
	return rolloutState{Done: true, Reason: iapiv1alpha1.ReasonNoRollout,
		Message: fmt.Sprintf("Deployment %s runs %d up-to-date pods", d.Name, want)}
}

// podCounts is a Deployment's pods and ready pods, 0 when it does not exist.
func podCounts(d *appsv1.Deployment) (pods, ready int32) {
	if d == nil {
		return 0, 0
	}
	return d.Status.Replicas, d.Status.ReadyReplicas
}
