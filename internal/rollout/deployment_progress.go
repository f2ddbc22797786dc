package rollout

import (
	"fmt"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// reasonDeploymentStalled: a Deployment exceeded its own progress deadline. It is not
// v1alpha1.ReasonProgressDeadline, which the engine reads back from the Degraded
// condition as "this canary step failed its deadline".
const reasonDeploymentStalled = "DeploymentStalled"

// progress is where a Deployment is in replacing its pods, read the way
// `kubectl rollout status` reads it.
type progress struct {
	// done: every pod runs the current template and is available.
	done bool
	// failed: the Deployment controller gave up (progress deadline, replica failure).
	failed bool
	// reason is a condition reason from the API constants; message says it in words.
	reason, message string
}

// progressOf reads the progress of the Deployment named name; d is nil when it does not
// exist.
func progressOf(d *DeploymentState, name string) progress {
	if d == nil {
		return progress{reason: v1alpha1.ReasonRollingUpdate, message: fmt.Sprintf("Deployment %s is not created yet", name)}
	}
	if d.ReplicaFailure != "" {
		return progress{failed: true, reason: v1alpha1.ReasonReplicaFailure,
			message: fmt.Sprintf("Deployment %s cannot create pods: %s", name, d.ReplicaFailure)}
	}
	if d.Generation > d.ObservedGeneration {
		return progress{reason: v1alpha1.ReasonRollingUpdate,
			message: fmt.Sprintf("Deployment %s: waiting for the change to be observed", name)}
	}
	if d.ProgressDeadlineExceeded != "" {
		return progress{failed: true, reason: reasonDeploymentStalled,
			message: fmt.Sprintf("Deployment %s exceeded its progress deadline: %s", name, d.ProgressDeadlineExceeded)}
	}
	switch {
	case d.UpdatedReplicas < d.Replicas:
		return progress{reason: v1alpha1.ReasonRollingUpdate,
			message: fmt.Sprintf("Deployment %s: %d of %d pods updated", name, d.UpdatedReplicas, d.Replicas)}
	case d.Pods > d.UpdatedReplicas:
		return progress{reason: v1alpha1.ReasonRollingUpdate,
			message: fmt.Sprintf("Deployment %s: %d old pods terminating", name, d.Pods-d.UpdatedReplicas)}
	case d.AvailableReplicas < d.UpdatedReplicas:
		return progress{reason: v1alpha1.ReasonRollingUpdate,
			message: fmt.Sprintf("Deployment %s: %d of %d updated pods available", name, d.AvailableReplicas, d.UpdatedReplicas)}
	}
	return progress{done: true, reason: v1alpha1.ReasonNoRollout,
		message: fmt.Sprintf("Deployment %s runs %d up-to-date pods", name, d.Replicas)}
}

// podCounts is a Deployment's pods and ready pods, 0 when it does not exist.
func (d *DeploymentState) podCounts() (pods, ready int32) {
	if d == nil {
		return 0, 0
	}
	return d.Pods, d.ReadyReplicas
}
