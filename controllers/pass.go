package controllers

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/notify"
	"github.com/interviewapi/operator/internal/rollout"
)

// pass is one reconcile of one instance: what observe read, what plan decided, the
// status being computed, and what the other phases did. Phases read and fill it;
// nothing in it outlives the pass.
type pass struct {
	// instance is the InterviewAPI as read from the cache, and after the pass
	// consumed control annotations or wrote status, as the API server returned it.
	// Phases never change it; the status they compute goes to status.
	instance *iapiv1alpha1.InterviewAPI
	// status starts as a copy of instance.Status, becomes the rollout's decision in
	// plan (or the status after a failure), and is written if it differs from the
	// stored one.
	status iapiv1alpha1.InterviewAPIStatus
	// clockNow is the time of the pass; now is the same in whole seconds, as the API
	// server stores times.
	clockNow time.Time
	now      metav1.Time

	// Observed children (nil when absent). After a phase applies a child, it holds
	// the object the API server returned.
	stable  *appsv1.Deployment
	canary  *appsv1.Deployment
	service *corev1.Service
	pdb     *policyv1.PodDisruptionBudget

	// input is what the rollout engine decided on (also what a failure is reported
	// against); plan is its decision, set once the decision is rendered.
	input rollout.Input
	plan  rollout.Plan
	// recorded is true once the decision's status is written (commit).
	recorded bool
	// desiredStable and desiredCanary are the Deployments the plan asks for; a nil
	// desiredCanary removes NAME-canary.
	desiredStable *appsv1ac.DeploymentApplyConfiguration
	desiredCanary *appsv1ac.DeploymentApplyConfiguration

	// notifyTargets are the notification receivers this pass may send its decisions
	// to, and notifyRefused the types of those it may not (checkNotifications).
	notifyTargets []notify.Target
	notifyRefused []string

	// tap keeps the windows this pass's analysis measured, for the pool advice;
	// adviceChanged is set when the advice changed materially (advise).
	tap           *adviceTap
	adviceChanged bool

	// applied are the children this pass created or changed, reported in one Event
	// at its end (reportApplied).
	applied []appliedChild

	// result is returned to the controller (a requeue for timed work); analysisAfter,
	// when not 0, is when the next analysis falls due (see queued).
	result        ctrl.Result
	analysisAfter time.Duration
}
