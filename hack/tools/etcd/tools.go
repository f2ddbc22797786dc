//go:build tools

// Package tools pins etcd, the store behind the test kube-apiserver; `make tools`
// builds go.etcd.io/etcd/server/v3 (its root package is the etcd main).
package tools

import _ "go.etcd.io/etcd/server/v3"
