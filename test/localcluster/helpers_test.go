package localcluster_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/interviewapi/operator/test/localcluster"
)

// podserverImage is the image reference the tests' pods use; the cluster maps its
// repository's last element to the podserver binary built for the test.
const podserverImage = "registry.example/tests/podserver:v1"

// waitTimeout bounds every wait for the cluster to reach a state.
const waitTimeout = 30 * time.Second

// buildProgram compiles a main package of this module into dir and returns the path.
func buildProgram(t *testing.T, dir, pkg, name string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// startCluster starts a local cluster with the process node for the test, with the podserver image mapped,
// and stops it when the test ends. On failure the cluster's log is printed.
func startCluster(t *testing.T, opts localcluster.Options) *localcluster.Cluster {
	t.Helper()
	bin := buildProgram(t, t.TempDir(), "./testdata/podserver", "podserver")
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	opts.Images = map[string]string{"podserver": bin}
	// These tests are of the process node's agent (and run in parallel); the real
	// node has tests of its own (realnode_test.go).
	opts.Node = localcluster.NodeProcess
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := localcluster.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start local cluster: %v", err)
	}
	t.Logf("cluster in %s: API server ready after %s, cluster ready after %s", c.Dir, c.Times.APIServerReady, c.Times.Ready)
	t.Cleanup(func() {
		if t.Failed() {
			dumpLog(t, filepath.Join(c.Dir, "logs", "localcluster.log"))
		}
		if err := c.Stop(); err != nil {
			t.Errorf("stop cluster: %v", err)
		}
	})
	return c
}

func dumpLog(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Logf("no log %s: %v", path, err)
		return
	}
	if len(data) > 16<<10 {
		data = data[len(data)-16<<10:]
	}
	t.Logf("--- end of %s ---\n%s", path, data)
}

// newNamespace creates a namespace for one test and waits for its default
// ServiceAccount, without which the API server admits no pod there.
func newNamespace(t *testing.T, c kubernetes.Interface) string {
	t.Helper()
	ctx := t.Context()
	ns, err := c.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "t-"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	waitFor(t, "default ServiceAccount in "+ns.Name, func() (bool, error) {
		_, err := c.CoreV1().ServiceAccounts(ns.Name).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
	return ns.Name
}

// waitFor polls cond until it holds, failing the test after waitTimeout.
func waitFor(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	var last error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok && err == nil {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s (last error: %v)", waitTimeout, what, last)
}

// podserverDeployment runs replicas of podserver with an HTTP readiness probe.
func podserverDeployment(ns, name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					TerminationGracePeriodSeconds: new(int64(5)),
					Containers:                    []corev1.Container{podserverContainer()},
				},
			},
		},
	}
}

func podserverContainer(args ...string) corev1.Container {
	probe := func() *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intstr.FromString("http")}},
			PeriodSeconds: 1,
		}
	}
	return corev1.Container{
		Name:           "podserver",
		Image:          podserverImage,
		Args:           args,
		Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
		ReadinessProbe: probe(),
		LivenessProbe:  probe(),
	}
}

// readyPods waits until exactly n pods match the selector and all are Running and
// Ready, and returns them.
func readyPods(t *testing.T, c kubernetes.Interface, ns string, selector map[string]string, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	waitFor(t, fmt.Sprintf("%d ready pods %v in %s", n, selector, ns), func() (bool, error) {
		list, err := c.CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{LabelSelector: labels.SelectorFromSet(selector).String()})
		if err != nil {
			return false, err
		}
		pods = list.Items
		if len(pods) != n {
			return false, nil
		}
		for _, p := range pods {
			if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning || !podConditionTrue(&p, corev1.PodReady) {
				return false, nil
			}
		}
		return true, nil
	})
	return pods
}

func podConditionTrue(p *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// getJSON fetches a URL on a new connection and decodes the JSON answer.
func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decode: %v", url, err)
	}
}

// post sends an empty POST and expects 200.
func post(t *testing.T, url string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Post(url, "text/plain", nil)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: status %d", url, resp.StatusCode)
	}
}

func podEnv(t *testing.T, pod corev1.Pod) map[string]string {
	t.Helper()
	env := map[string]string{}
	getJSON(t, "http://"+pod.Status.PodIP+":8080/env", &env)
	return env
}

// processesUnder lists the processes (pid → command line) whose working directory is
// inside dir: every process a cluster starts runs in its directory, PostgreSQL in its
// data folder.
func processesUnder(t *testing.T, dir string) map[int]string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("read /proc: %v", err)
	}
	out := map[int]string{}
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err != nil || (cwd != dir && !strings.HasPrefix(cwd, dir+"/")) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		out[pid] = strings.ReplaceAll(strings.TrimSpace(string(cmdline)), "\x00", " ")
	}
	return out
}

// kubectlPath is bin/k8s/kubectl of the repository (or of KUBEBUILDER_ASSETS).
func kubectlPath(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		dir = filepath.Join("..", "..", "bin", "k8s")
	}
	path, err := filepath.Abs(filepath.Join(dir, "kubectl"))
	if err == nil {
		_, err = os.Stat(path)
	}
	if err != nil {
		t.Fatalf("kubectl not found in %s: run `make tools` or set KUBEBUILDER_ASSETS (%v)", dir, err)
	}
	return path
}
