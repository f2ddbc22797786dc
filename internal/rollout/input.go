package rollout

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// Input is everything a decision depends on. Decide never modifies it.
type Input struct {
	// Instance is the InterviewAPI as read: spec, status (the rollout's whole memory),
	// annotations and generation.
	Instance *v1alpha1.InterviewAPI
	// Stable and Canary are the observed NAME-stable and NAME-canary Deployments, nil
	// when absent.
	Stable *DeploymentState
	Canary *DeploymentState
	// Analysis is the analysis taken in this pass for the Plan.Analysis request of a
	// previous Decide in the same pass, or nil. An analysis that arrives when none is
	// due (the step changed, the rollout paused) is ignored.
	Analysis *v1alpha1.AnalysisResult
	// Now is the time of the pass. Times written to status are truncated to whole
	// seconds, as the API server stores them, so a status read back after a restart
	// compares the same.
	Now time.Time
	// StableChanging is true when applying the plan changes NAME-stable's pod template
	// or replicas in this pass (a new image, say, which is not a revision): the status
	// written before that apply must not call the instance settled. The reconciler
	// learns it by rendering a first decision, and decides again with it; it changes
	// the status only, never the plan's Deployments.
	StableChanging bool
	// Notifications is the check of the notification receivers taken in this pass,
	// nil when none was (see NotificationsCheck).
	Notifications *NotificationsCheck
}

// DeploymentState is what the decision needs to know of a Deployment.
type DeploymentState struct {
	// Revision is the apps.interviewapi.io/revision label of its pod template.
	Revision string
	// Replicas is spec.replicas.
	Replicas int32
	// Pods is status.replicas: the pods of all its ReplicaSets, not counting those
	// shutting down.
	Pods int32
	// TerminatingPods is status.terminatingReplicas: pods shutting down, which may
	// still hold database connections (0 where the API server does not report it).
	TerminatingPods int32
	// UpdatedReplicas, ReadyReplicas and AvailableReplicas are from its status.
	UpdatedReplicas   int32
	ReadyReplicas     int32
	AvailableReplicas int32
	// Generation and ObservedGeneration tell whether the Deployment controller has
	// seen the latest spec.
	Generation         int64
	ObservedGeneration int64
	// ReplicaFailure is the message of a ReplicaFailure condition that is True (the
	// Deployment controller cannot create pods), "" when there is none.
	ReplicaFailure string
	// ProgressDeadlineExceeded is the message of a Progressing condition with reason
	// ProgressDeadlineExceeded (the Deployment's own progress deadline), "" when
	// there is none.
	ProgressDeadlineExceeded string
}

// Observe reads a Deployment into a DeploymentState; nil stays nil.
func Observe(d *appsv1.Deployment) *DeploymentState {
	if d == nil {
		return nil
	}
	s := &DeploymentState{
		Revision:           d.Spec.Template.Labels[v1alpha1.LabelRevision],
		Replicas:           1,
		Pods:               d.Status.Replicas,
		UpdatedReplicas:    d.Status.UpdatedReplicas,
		ReadyReplicas:      d.Status.ReadyReplicas,
		AvailableReplicas:  d.Status.AvailableReplicas,
		Generation:         d.Generation,
		ObservedGeneration: d.Status.ObservedGeneration,
	}
	if d.Spec.Replicas != nil {
		s.Replicas = *d.Spec.Replicas
	}
	if d.Status.TerminatingReplicas != nil {
		s.TerminatingPods = *d.Status.TerminatingReplicas
	}
	for _, c := range d.Status.Conditions {
		switch {
		case c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue:
			s.ReplicaFailure = c.Message
		case c.Type == appsv1.DeploymentProgressing && c.Reason == deploymentProgressDeadlineExceeded:
			s.ProgressDeadlineExceeded = c.Message
		}
	}
	return s
}

// deploymentProgressDeadlineExceeded is the reason the Deployment controller gives its
// Progressing condition past spec.progressDeadlineSeconds (k8s.io/kubernetes'
// deploymentutil.TimedOutReason, which client-go does not export).
const deploymentProgressDeadlineExceeded = "ProgressDeadlineExceeded"

// rolledOut reports whether the Deployment runs exactly replicas available pods of
// revision and nothing else, as the Deployment controller last reported.
func (d *DeploymentState) rolledOut(revision string, replicas int32) bool {
	return d != nil &&
		d.Revision == revision &&
		d.Replicas == replicas &&
		d.ObservedGeneration >= d.Generation &&
		d.UpdatedReplicas == replicas &&
		d.Pods == replicas &&
		d.AvailableReplicas >= replicas
}

// occupied is how many pods may hold database connections now: a Deployment scaled
// down still has its old pods until they are gone, and pods shutting down keep their
// connections until they exit.
func (d *DeploymentState) occupied() int32 {
	if d == nil {
		return 0
	}
	return max(d.Replicas, d.Pods) + d.TerminatingPods
}

// revision is the Deployment's revision, "" when it does not exist.
func (d *DeploymentState) revision() string {
	if d == nil {
		return ""
	}
	return d.Revision
}

// gone reports whether the Deployment has no pods left, running or shutting down.
func (d *DeploymentState) gone() bool {
	return d == nil || (d.Replicas == 0 && d.Pods == 0 && d.TerminatingPods == 0)
}

// available is how many pods of revision are available: pods of another template do
// not count, so a Deployment still replacing its pods reports none.
func (d *DeploymentState) available(revision string) int32 {
	if d == nil || d.Revision != revision || d.replacing() {
		return 0
	}
	return d.AvailableReplicas
}

// replacing reports whether the Deployment is replacing pods of another template: a
// rolling update runs one extra pod while it does.
func (d *DeploymentState) replacing() bool {
	return d != nil && (d.ObservedGeneration < d.Generation || d.UpdatedReplicas < d.Pods)
}
