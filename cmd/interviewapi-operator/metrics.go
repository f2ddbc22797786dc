package main

import (
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// The metrics endpoint authenticates its callers with a TokenReview and authorises
// them with a SubjectAccessReview (get on the non-resource URL /metrics), as the
// kubebuilder scaffold does; these rules go into config/rbac/metrics_auth_role.yaml,
// bound cluster-wide (the reviews are cluster-scoped, even when the operator watches
// a few namespaces only).
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// metricsOptions serves /metrics on addr: over HTTPS to callers the API server says
// may get /metrics when secure (the default), over plain HTTP to anyone otherwise
// (--metrics-secure=false, for a local run). Without certDir the certificate is
// self-signed, made at start.
func metricsOptions(addr string, secure bool, certDir string) metricsserver.Options {
	o := metricsserver.Options{BindAddress: addr, SecureServing: secure}
	if secure {
		o.FilterProvider = filters.WithAuthenticationAndAuthorization
		o.CertDir = certDir
	}
	return o
}
