//go:build linux

package localcluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/interviewapi/operator/hack/images/imagebuild"
	"github.com/interviewapi/operator/test/localcluster"
)

// machineName is the real node's name for its network namespace, cgroup and state
// folder (test/localcluster/machine_linux.go).
const machineName = "interviewapi-localcluster"

// kubeletSysctls are the machine-wide settings the kubelet rewrites; the node must put
// them back.
var kubeletSysctls = []string{"vm.overcommit_memory", "vm.panic_on_oom", "kernel.panic", "kernel.panic_on_oops",
	"kernel.keys.root_maxkeys", "kernel.keys.root_maxbytes"}

// The real node end to end: pods run as containers of a locally built image, a
// Service answers on 127.0.0.1 through kube-proxy, a second real node is refused, a
// node whose program was killed outright is cleaned up by the next start, and Stop
// leaves nothing behind. It needs root and `make tools` (kubelet, containerd, the
// Debian packages); it says so when they are missing.
func TestRealNode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the real node needs root (network namespace, cgroups, mounts): run this test as root")
	}
	tmp := t.TempDir()
	archive := buildImage(t, tmp, imagebuild.Image{Name: "podserver", Package: "./test/localcluster/testdata/podserver", Description: "the local cluster tests' pod program"})
	before := machineSnapshot(t)

	// A node whose program is SIGKILLed leaves its containers (their shims detach),
	// mounts, cgroups and namespace: the next start must clean them up.
	killed := startKilledRealNode(t, tmp, archive)
	t.Logf("killed a real node with running containers (%s)", killed)

	dir := filepath.Join(tmp, "cluster")
	c, err := localcluster.Start(context.Background(), localcluster.Options{
		Dir: dir, Node: localcluster.NodeReal, NoDatabase: true, ImageArchives: []string{archive}, ImageTags: []string{"test"},
	})
	if err != nil {
		t.Fatalf("start the real node after a killed one: %v", err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = c.Stop()
		}
	})
	if c.Node != localcluster.NodeReal {
		t.Fatalf("node %s, want real", c.Node)
	}
	t.Logf("real node ready in %s (API server after %s)", c.Times.Ready.Round(time.Millisecond), c.Times.APIServerReady.Round(time.Millisecond))

	_, err = localcluster.Start(context.Background(), localcluster.Options{Dir: filepath.Join(tmp, "second"), Node: localcluster.NodeReal, NoDatabase: true, ImageArchives: []string{archive}})
	if err == nil || !strings.Contains(err.Error(), "a real node is already running") {
		t.Fatalf("a second real node started or failed unclearly: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	measureServiceHandover(ctx, t, c)

	if err := c.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	stopped = true
	if after := machineSnapshot(t); after != before {
		t.Errorf("the machine after Stop differs from before the first start:\nbefore: %s\nafter:  %s", before, after)
	}
}

// measureServiceHandover runs two replicas of podserver behind a Service, checks that
// the Service answers on 127.0.0.1 and that the pods run as uid 65532 on a read-only
// root, then deletes one pod (which keeps serving 5s in its preStop) and measures how
// long connections still reach it: the time kube-proxy needs to drop a deleted pod,
// which the server's shutdown delay (internal/resources.ShutdownDelay) must exceed.
func measureServiceHandover(ctx context.Context, t *testing.T, c *localcluster.Cluster) {
	t.Helper()
	cs := c.Clientset
	labels := map[string]string{"app": "podserver"}
	for _, name := range []string{"a", "b"} {
		if _, err := cs.CoreV1().Pods("default").Create(ctx, podserverPod(name, labels), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "podserver", Namespace: "default"}, Spec: corev1.ServiceSpec{
		Selector: labels, Ports: []corev1.ServicePort{{Port: 80, TargetPort: intstr.FromInt32(8080)}},
	}}
	if _, err := cs.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	created := time.Now()
	for _, name := range []string{"a", "b"} {
		waitPodReady(ctx, t, cs, name)
	}
	t.Logf("FIGURE real node: 2 pods created → both Ready %s", time.Since(created).Round(10*time.Millisecond))
	addr, err := c.WaitServiceAddr(ctx, "default", "podserver", 80)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("service address %s is not on 127.0.0.1", addr)
	}
	// kube-proxy adds a pod a moment after it turns Ready; until then the Service
	// answers from the other one.
	seen := map[string]bool{}
	ready := time.Now()
	for !seen["a"] || !seen["b"] {
		if time.Since(ready) > 15*time.Second {
			t.Fatalf("connections through the Service for 15s after both pods were Ready reached only %v, want both pods", seen)
		}
		if pod, err := whoami(ctx, addr); err == nil {
			seen[pod] = true
		}
	}
	t.Logf("FIGURE real node: both pods Ready → both reached through the Service %s", time.Since(ready).Round(10*time.Millisecond))

	deleted := time.Now()
	if err := cs.CoreV1().Pods("default").Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	lastA := time.Time{}
	for time.Since(deleted) < 4*time.Second {
		pod, err := whoami(ctx, addr)
		if err != nil {
			t.Errorf("a request through the Service failed %s after pod a's deletion, while a still serves in its preStop: %v", time.Since(deleted).Round(time.Millisecond), err)
			continue
		}
		if pod == "a" {
			lastA = time.Now()
		}
	}
	lag := lastA.Sub(deleted)
	t.Logf("FIGURE real node: pod deleted → last connection kube-proxy still sent it %s", max(lag, 0).Round(10*time.Millisecond))
	if lag > 3*time.Second {
		t.Errorf("kube-proxy sent connections to a deleted pod for %s", lag)
	}
	logText, err := os.ReadFile(c.PodLogPath("default", "b", "server"))
	if err != nil || !strings.Contains(string(logText), "podserver") {
		t.Errorf("pod b's log copy %s: %v %q", c.PodLogPath("default", "b", "server"), err, logText)
	}
}

func podserverPod(name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: labels},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: new(int64(10)),
			SecurityContext:               &corev1.PodSecurityContext{RunAsNonRoot: new(true)},
			Containers: []corev1.Container{{
				Name:            "server",
				Image:           "localcluster.local/podserver:test",
				ImagePullPolicy: corev1.PullNever,
				Env: []corev1.EnvVar{{Name: "LISTEN_ADDR", Value: ":8080"},
					{Name: "POD_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}}},
				Ports:          []corev1.ContainerPort{{ContainerPort: 8080}},
				ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromInt32(8080)}}, PeriodSeconds: 1},
				Lifecycle:      &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 5}}},
				Resources:      corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m")}},
				SecurityContext: &corev1.SecurityContext{
					ReadOnlyRootFilesystem: new(true), AllowPrivilegeEscalation: new(false),
					Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
			}},
		},
	}
}

func waitPodReady(ctx context.Context, t *testing.T, cs kubernetes.Interface, name string) {
	t.Helper()
	for {
		p, err := cs.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			for _, cond := range p.Status.Conditions {
				if cond.Type == corev1.PodReady && cond.Status == corev1.ConditionTrue {
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("pod %s not Ready: %v; status %+v", name, ctx.Err(), p.Status)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// whoami asks the Service, on a new connection, which pod answered.
func whoami(ctx context.Context, addr string) (string, error) {
	// Generous: the machine may be busy; a refused or reset connection fails at once.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/whoami", nil)
	if err != nil {
		return "", err
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var who struct {
		Pod string `json:"pod"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&who); err != nil {
		return "", err
	}
	return who.Pod, nil
}

// buildImage builds an image of a package of this repository, as `make images` does.
func buildImage(t *testing.T, dir string, img imagebuild.Image) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	b := imagebuild.Build{RepoRoot: root, Registry: "localcluster.local", Version: "test", Revision: "test", Source: "test",
		Created: time.Unix(0, 0), OS: "linux", Arch: runtime.GOARCH, CABundle: "/etc/ssl/certs/ca-certificates.crt"}
	paths, err := b.BuildAll(context.Background(), []imagebuild.Image{img}, dir)
	if err != nil {
		t.Fatal(err)
	}
	return paths[0]
}

// startKilledRealNode starts a real node with a running pod in the localcluster
// program, then SIGKILLs the program; it returns what was running.
func startKilledRealNode(t *testing.T, tmp, archive string) string {
	t.Helper()
	program := buildProgram(t, tmp, "../../hack/localcluster", "localcluster")
	dir := filepath.Join(tmp, "killed")
	cmd := exec.Command(program, "--dir", dir, "--node", "real", "--no-database", "--image-archive", archive, "--image-tag", "test")
	out, err := os.Create(filepath.Join(tmp, "killed.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for {
		if _, err := os.Stat(filepath.Join(dir, "ready")); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			b, _ := os.ReadFile(out.Name())
			t.Fatalf("the localcluster program did not get ready: %s", b)
		case <-time.After(200 * time.Millisecond):
		}
	}
	cs := clientsetFor(t, filepath.Join(dir, "kubeconfig"))
	if _, err := cs.CoreV1().Pods("default").Create(ctx, podserverPod("left", map[string]string{"app": "left"}), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPodReady(ctx, t, cs, "left")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	return fmt.Sprintf("pod left Ready, program pid %d", cmd.Process.Pid)
}

// machineSnapshot is what the real node may change on the machine: its network
// namespace, cgroups, mounts, state folder, kernel settings and the fixed folders.
func machineSnapshot(t *testing.T) string {
	t.Helper()
	var parts []string
	exists := func(p string) {
		if _, err := os.Lstat(p); err == nil {
			parts = append(parts, "exists "+p)
		} else if !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
	}
	exists("/run/netns/" + machineName)
	exists("/run/" + machineName)
	exists("/run/netns")
	for _, h := range []string{"pids", "cpu", "memory", "cpuset", "unified", "systemd"} {
		exists(filepath.Join("/sys/fs/cgroup", h, machineName))
	}
	for _, p := range []string{"/var/lib/kubelet", "/var/log/containers", "/var/log/pods", "/var/lib/cni", "/run/containerd", "/etc/cni"} {
		exists(p)
	}
	for _, s := range kubeletSysctls {
		b, err := os.ReadFile(filepath.Join("/proc/sys", strings.ReplaceAll(s, ".", "/")))
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, s+"="+strings.TrimSpace(string(b)))
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(mounts), "\n") {
		if strings.Contains(line, machineName) || strings.Contains(line, "/kubelet/") || strings.Contains(line, "containerd") {
			parts = append(parts, "mount "+line)
		}
	}
	// Zombies do not count: a killed shim's parent is init, which reaps it a moment later.
	out, err := exec.Command("ps", "-eo", "stat=,comm=").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 || strings.HasPrefix(f[0], "Z") {
			continue
		}
		if p := f[1]; strings.HasPrefix(p, "containerd") || p == "kubelet" || p == "kube-proxy" || p == "podserver" || p == "pause" {
			parts = append(parts, "process "+p)
		}
	}
	return strings.Join(parts, "; ")
}

func clientsetFor(t *testing.T, kubeconfig string) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}
