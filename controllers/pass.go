package controllers

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// pass is one reconcile of one instance: what observe read, what plan decided, the
// status being computed, and what the other phases did. Phases read and fill it;
// nothing in it outlives the pass.
type pass struct {
	// instance is the InterviewAPI as read from the cache. Phases never change it;
	// the status they compute goes to status.
	instance *iapiv1alpha1.InterviewAPI
	// status starts as a copy of instance.Status and is written once, at the end,
	// if it differs.
	status iapiv1alpha1.InterviewAPIStatus
	// now is the time of the pass, in whole seconds as the API server stores it.
	now metav1.Time

	// Observed children (nil when absent). After a phase applies a child, it holds
	// the object the API server returned.
	stable  *appsv1.Deployment
	canary  *appsv1.Deployment
	service *corev1.Service
	pdb     *policyv1.PodDisruptionBudget

	plan plan

	// result is returned to the controller (a requeue for timed work).
	result ctrl.Result
}

// plan is what each track runs in this pass.
type plan struct {
	Stable trackPlan
	// Canary is nil when no canary runs: a NAME-canary Deployment is then removed.
	Canary *trackPlan
}

// trackPlan is one track's revision and pod count.
type trackPlan struct {
	Revision iapiv1alpha1.RevisionStatus
	Replicas int32
}
