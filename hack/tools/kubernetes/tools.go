//go:build tools

// Package tools pins the Kubernetes programs the tests run (kube-apiserver,
// kube-controller-manager, kubectl); they are built by `make tools`.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
