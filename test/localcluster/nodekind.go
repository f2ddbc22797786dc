package localcluster

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// NodeKind selects the cluster's node.
type NodeKind string

const (
	// NodeAuto runs the real node when this machine can (Linux, root, its programs and
	// packages present, the images built, no other real node running), else the
	// process node; Cluster.NodeReason says which and why.
	NodeAuto NodeKind = "auto"
	// NodeReal runs kubelet, containerd and kube-proxy in a network namespace of its
	// own, pods as containers of the project's images (docs/localcluster.md).
	NodeReal NodeKind = "real"
	// NodeProcess runs the node agent of this package: pods as local processes of the
	// binaries their images map to.
	NodeProcess NodeKind = "process"
)

// ParseNodeKind reads a --node value; "" is NodeAuto.
func ParseNodeKind(s string) (NodeKind, error) {
	switch k := NodeKind(s); k {
	case "":
		return NodeAuto, nil
	case NodeAuto, NodeReal, NodeProcess:
		return k, nil
	}
	return "", fmt.Errorf("unknown node %q: want real, process or auto", s)
}

// chooseNode resolves NodeAuto and checks that a real node can run; it returns the
// node to run and why.
func chooseNode(o *Options) (NodeKind, string, error) {
	if o.Node == NodeProcess {
		return NodeProcess, "asked for the process node", nil
	}
	missing := realNodeMissing(o)
	switch {
	case len(missing) == 0 && o.Node == NodeReal:
		return NodeReal, "asked for the real node", nil
	case len(missing) == 0:
		return NodeReal, "this machine can run the real node (Linux, root, its programs, packages and images present)", nil
	case o.Node == NodeReal:
		return "", "", fmt.Errorf("the real node cannot run here: %s", strings.Join(missing, "; "))
	}
	return NodeProcess, "the real node cannot run here: " + strings.Join(missing, "; "), nil
}

// realNodeMissing lists what keeps the real node from running, each with how to get it.
func realNodeMissing(o *Options) []string {
	if runtime.GOOS != "linux" {
		return []string{"it runs on Linux only"}
	}
	var missing []string
	if os.Geteuid() != 0 {
		missing = append(missing, "it needs root (network namespace, cgroups, mounts)")
	}
	var tools []string
	for _, p := range []string{
		filepath.Join(o.KubernetesBinDir, "kubelet"), filepath.Join(o.KubernetesBinDir, "kube-proxy"),
		filepath.Join(o.KubernetesBinDir, "kube-scheduler"), filepath.Join(o.BinDir, "containerd", "containerd"),
		filepath.Join(o.BinDir, "containerd", "containerd-shim-runc-v2"), filepath.Join(o.BinDir, "containerd", "ctr"),
	} {
		if !isExecutable(p) {
			tools = append(tools, p)
		}
	}
	if len(tools) > 0 {
		missing = append(missing, fmt.Sprintf("%s not built (run `make tools`)", strings.Join(tools, ", ")))
	}
	var pkgs []string
	for _, p := range []string{"/usr/sbin/runc", "/usr/lib/cni/ptp", "/usr/lib/cni/host-local", "/usr/lib/cni/portmap",
		"/usr/lib/cni/loopback", "/usr/sbin/conntrack", "/usr/sbin/nft"} {
		if !isExecutable(p) {
			pkgs = append(pkgs, p)
		}
	}
	if len(pkgs) > 0 {
		missing = append(missing, fmt.Sprintf("%s missing (as root: hack/node-packages.sh installs runc, containernetworking-plugins, conntrack, nftables)", strings.Join(pkgs, ", ")))
	}
	if len(o.ImageArchives) == 0 && o.Node == NodeAuto {
		missing = append(missing, fmt.Sprintf("no image archives in %s (run `make images`)", filepath.Join(o.BinDir, "images")))
	}
	if holder, busy := realNodeBusy(); busy {
		missing = append(missing, "a real node is already running on this machine ("+holder+")")
	}
	return missing
}

func isExecutable(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir() && info.Mode()&0o111 != 0
}
