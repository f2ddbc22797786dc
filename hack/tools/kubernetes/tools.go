//go:build tools

// Package tools pins the Kubernetes programs the tests run: kube-apiserver,
// kube-controller-manager and kubectl (envtest and both local-cluster nodes), and
// kubelet, kube-proxy and kube-scheduler (the real node). `make tools` builds them.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
