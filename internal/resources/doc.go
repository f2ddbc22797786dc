// Package resources builds the Kubernetes objects the operator owns for an
// InterviewAPI: the server Deployment of each track, the Service over both tracks and
// the PodDisruptionBudget.
//
// Builders are pure: they read the instance and their parameters and return
// server-side-apply configurations holding exactly the fields the operator owns, so
// that fields defaulted by the API server or set by other writers are never fought
// over. They never read the cluster and never read the database Secret.
package resources
