//go:build tools

// Package tools pins the container runtime of the local cluster's real node:
// containerd, its runc shim and ctr (which imports the project's images). `make tools`
// builds them without cgo and without the snapshotters the node does not use.
package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
)
