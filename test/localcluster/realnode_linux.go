package localcluster

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const (
	// nodeLink is the interface pair inside the namespace that carries nodeIP; the
	// service subnet is routed to it so that connections to a ClusterIP find a route
	// before kube-proxy rewrites them.
	nodeLink     = "node0"
	nodeLinkPeer = "node1"
	// sandboxImage is the pause image the node builds and imports at start.
	sandboxImage = "localcluster.local/pause:1"
	// nodeCPUShares is the CPU weight of the node's cgroup (machineName) against the
	// machine's other processes, each of which weighs 1024 on its own: at the default
	// 1024 every pod together would count as one busy process, and on a machine shared
	// with builds the server pods' p99 latencies would measure that starvation rather
	// than the server. Eight processes' worth is what a few pods of the process node
	// get as host processes.
	nodeCPUShares = 8 * 1024
	// nodeCgroup is the cgroup of the node's programs; the kubelet puts the pods in
	// nodeCgroup/kubepods (its cgroupRoot is machineName).
	nodeCgroup = machineName + "/node"
)

// realNode is containerd, the kubelet, kube-proxy and kube-scheduler in the network
// namespace, with the bridges between the host's loopback and the namespace.
type realNode struct {
	ns      netns
	machine *machine
	dir     string // DIR/node
	binDir  string
	k8sBin  string
	log     *slog.Logger

	containerd, kubelet, kubeProxy, scheduler *process
	database                                  *forwarder
}

func (n *realNode) path(parts ...string) string {
	return filepath.Join(append([]string{n.dir}, parts...)...)
}

func (n *realNode) socket() string {
	return filepath.Join(machineState, "containerd", "containerd.sock")
}

// setUpNetwork creates the namespace, its node interface and the service route, and
// says how the control plane runs in it.
func (n *realNode) setUpNetwork(ctx context.Context) (controlPlaneNet, error) {
	cpNet := controlPlaneNet{apiserverIP: nodeIP, wrap: n.ns.command, dial: n.ns.dial, realNode: true}
	if err := n.ns.create(ctx); err != nil {
		return cpNet, err
	}
	for _, args := range [][]string{
		{"-n", n.ns.name, "link", "add", nodeLink, "type", "veth", "peer", "name", nodeLinkPeer},
		{"-n", n.ns.name, "addr", "add", nodeIP + "/32", "dev", nodeLink},
		{"-n", n.ns.name, "link", "set", nodeLink, "up"},
		{"-n", n.ns.name, "link", "set", nodeLinkPeer, "up"},
		{"-n", n.ns.name, "route", "add", serviceSubnet, "dev", nodeLink},
	} {
		if err := run(ctx, "ip", args...); err != nil {
			return cpNet, err
		}
	}
	return cpNet, nil
}

// start runs the node's programs and returns when the Node is Ready.
func (n *realNode) start(ctx context.Context, creds *credentials, apiserverURL string, client kubernetes.Interface, nodeName string, images []string, tags []string) error {
	for _, d := range []string{n.path("containerd"), n.path("kubelet"), n.path("pod-logs"), n.path("cni", "net.d"), n.path("cni", "ipam"), n.path("images")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := createCgroup(nodeCgroup); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cgroupV1Root, "cpu", machineName, "cpu.shares"), []byte(strconv.Itoa(nodeCPUShares)), 0o644); err != nil {
		return fmt.Errorf("set the node's CPU weight: %w", err)
	}
	if err := n.writeConfigs(creds, apiserverURL, nodeName); err != nil {
		return err
	}
	if err := n.startScheduler(); err != nil {
		return err
	}
	if err := n.startContainerd(ctx); err != nil {
		return err
	}
	if err := n.importImages(ctx, images, tags); err != nil {
		return err
	}
	var err error
	if n.kubelet, err = n.startProgram("kubelet", filepath.Join(n.k8sBin, "kubelet"), []string{
		"--config=" + n.path("kubelet.yaml"),
		"--kubeconfig=" + n.path("kubelet.kubeconfig"),
		"--hostname-override=" + nodeName,
		"--node-ip=" + nodeIP,
		"--root-dir=" + n.path("kubelet"),
		"--v=1",
	}); err != nil {
		return err
	}
	if n.kubeProxy, err = n.startProgram("kube-proxy", filepath.Join(n.k8sBin, "kube-proxy"), []string{
		"--config=" + n.path("kube-proxy.yaml"),
		"--v=1",
	}); err != nil {
		return err
	}
	return n.waitNodeReady(ctx, client, nodeName)
}

func (n *realNode) startScheduler() error {
	var err error
	n.scheduler, err = n.startProgram("kube-scheduler", filepath.Join(n.k8sBin, "kube-scheduler"), []string{
		"--kubeconfig=" + n.path("kube-scheduler.kubeconfig"),
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--kube-api-qps=100",
		"--kube-api-burst=200",
	})
	return err
}

func (n *realNode) startContainerd(ctx context.Context) error {
	var err error
	if n.containerd, err = n.startProgram("containerd", filepath.Join(n.binDir, "containerd", "containerd"), []string{
		"--config=" + n.path("containerd.toml"),
	}); err != nil {
		return err
	}
	return poll(ctx, n.containerd, 50*time.Millisecond, func(ctx context.Context) (bool, error) {
		c, err := net.Dial("unix", n.socket())
		if err != nil {
			return false, nil
		}
		c.Close()
		return true, nil
	})
}

// startProgram starts one of the node's programs inside the namespace and its cgroup,
// logging to DIR/logs/NAME.log.
func (n *realNode) startProgram(name, path string, args []string) (*process, error) {
	out, err := openLog(filepath.Join(filepath.Dir(n.dir), "logs", name+".log"))
	if err != nil {
		return nil, err
	}
	wrapped, wargs := n.ns.command(path, args)
	p, err := startProcess(processSpec{
		name: name,
		path: wrapped,
		args: wargs,
		env:  n.env(),
		dir:  n.dir,
		out:  out,
	})
	if err != nil {
		return nil, err
	}
	if err := joinCgroup(nodeCgroup, p.pid()); err != nil {
		p.stop(time.Second)
		return nil, err
	}
	return p, nil
}

// env is the node programs' environment: containerd finds its shim and runc on PATH.
func (n *realNode) env() []string {
	return []string{
		"PATH=" + filepath.Join(n.binDir, "containerd") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + n.dir,
		"TMPDIR=" + os.TempDir(),
	}
}

// ctr runs containerd's client on the node's socket and image namespace.
func (n *realNode) ctr(ctx context.Context, args ...string) error {
	return run(ctx, filepath.Join(n.binDir, "containerd", "ctr"), append([]string{"--address", n.socket(), "--namespace", "k8s.io"}, args...)...)
}

// importImages loads the sandbox image and every archive into containerd, each also
// under the extra tags asked for (no registry exists: pods find them present).
func (n *realNode) importImages(ctx context.Context, archives, tags []string) error {
	pause, err := buildPauseImage(ctx, n.path("images"))
	if err != nil {
		return err
	}
	for _, a := range append([]string{pause}, archives...) {
		refs, err := archiveImageNames(a)
		if err != nil {
			return err
		}
		if err := n.ctr(ctx, "images", "import", a); err != nil {
			return err
		}
		for _, ref := range refs {
			for _, tag := range tags {
				alias := imageRepository(ref) + ":" + tag
				if tag == "" || alias == ref {
					continue
				}
				if err := n.ctr(ctx, "images", "tag", "--force", ref, alias); err != nil {
					return err
				}
			}
		}
		n.log.Info("image imported", "archive", a, "images", refs, "extraTags", tags)
	}
	return nil
}

func (n *realNode) waitNodeReady(ctx context.Context, client kubernetes.Interface, nodeName string) error {
	return poll(ctx, n.kubelet, 100*time.Millisecond, func(ctx context.Context) (bool, error) {
		if n.kubeProxy.exited() {
			return false, processDiedError(n.kubeProxy)
		}
		node, err := client.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status == corev1.ConditionTrue, nil
			}
		}
		return false, nil
	})
}

// startDatabaseBridge lets pods reach the host's PostgreSQL (loopback only) at
// nodeIP:podDatabasePort.
func (n *realNode) startDatabaseBridge(hostURL string) error {
	host, err := urlHostPort(hostURL)
	if err != nil {
		return err
	}
	ln, err := n.ns.listen("tcp", net.JoinHostPort(nodeIP, strconv.Itoa(podDatabasePort)))
	if err != nil {
		return fmt.Errorf("listen for the pods' database connections: %w", err)
	}
	n.database = startForwarder("database", ln, host, hostDial, n.log)
	return nil
}

// podDatabaseURL rewrites a URL of the host's PostgreSQL into the address pods use.
func podDatabaseURL(hostURL string) string {
	host, err := urlHostPort(hostURL)
	if err != nil {
		return hostURL
	}
	return strings.Replace(hostURL, "@"+host+"/", "@"+net.JoinHostPort(nodeIP, strconv.Itoa(podDatabasePort))+"/", 1)
}

// urlHostPort is the host:port of a postgres:// URL.
func urlHostPort(u string) (string, error) {
	at := strings.LastIndex(u, "@")
	if at < 0 {
		return "", fmt.Errorf("database URL %q has no user@host part", u)
	}
	rest := u[at+1:]
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		rest = rest[:i]
	}
	if _, _, err := net.SplitHostPort(rest); err != nil {
		return "", fmt.Errorf("database URL %q: %w", u, err)
	}
	return rest, nil
}

// stopPrograms ends the node's programs (the containers and shims go with the
// machine's restore, which kills what is left in the node's cgroups).
func (n *realNode) stopPrograms() {
	if n.database != nil {
		n.database.close()
	}
	for _, p := range []*process{n.kubeProxy, n.kubelet, n.scheduler, n.containerd} {
		if p != nil {
			p.stop(2 * time.Second)
		}
	}
}

// restoreMachine undoes every change to the machine; the control plane must have
// stopped, as it runs in the namespace too.
func (n *realNode) restoreMachine(ctx context.Context) error {
	if n.machine == nil {
		return nil
	}
	err := n.machine.restore(ctx)
	n.machine = nil
	return err
}

// retargetDatabase points the pods' database bridge at PostgreSQL's new address.
func (n *realNode) retargetDatabase(hostURL string) error {
	host, err := urlHostPort(hostURL)
	if err != nil {
		return err
	}
	if n.database != nil {
		n.database.setTarget(host)
	}
	return nil
}

// bridgeToHost listens on the host's 127.0.0.1 and forwards to an https:// URL's
// address inside the namespace.
func (n *realNode) bridgeToHost(name, url string) (*forwarder, error) {
	target := strings.TrimPrefix(url, "https://")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for %s on the host: %w", name, err)
	}
	return startForwarder(name, ln, target, n.ns.dial, n.log), nil
}
