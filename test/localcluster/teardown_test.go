package localcluster_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/test/localcluster"
)

// Stop ends every process the cluster started: control plane, pods and PostgreSQL.
func TestStopLeavesNoProcess(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startCluster(t, localcluster.Options{Dir: dir})
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "lingering", Labels: map[string]string{"app": "lingering"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{podserverContainer()}},
	}
	if _, err := c.Clientset.CoreV1().Pods(metav1.NamespaceDefault).Create(t.Context(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	readyPods(t, c.Clientset, metav1.NamespaceDefault, map[string]string{"app": "lingering"}, 1)

	before := processesUnder(t, dir)
	// etcd, kube-apiserver, kube-controller-manager, the pod and PostgreSQL at least.
	if len(before) < 5 {
		t.Fatalf("found %d processes of the cluster before Stop, want at least 5: %v", len(before), before)
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if left := processesUnder(t, dir); len(left) > 0 {
		t.Errorf("processes left after Stop: %v", left)
	}
	for pid, cmd := range before {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("process %d (%s) still runs after Stop", pid, cmd)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "ready")); !os.IsNotExist(err) {
		t.Errorf("ready file still present after Stop (%v)", err)
	}
}

// A cluster program killed outright (no teardown runs) takes its control plane and
// pods with it: the kernel delivers the parent-death signal to each child.
func TestKilledProgramLeavesNoChildProcess(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	program := buildProgram(t, tmp, "../../hack/localcluster", "localcluster")
	podserver := buildProgram(t, tmp, "./testdata/podserver", "podserver")
	dir := filepath.Join(tmp, "cluster")
	cmd := exec.Command(program, "--dir", dir, "--node", "process", "--no-database", "--image", "podserver="+podserver)
	out, err := os.Create(filepath.Join(tmp, "localcluster.out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			dumpLog(t, out.Name())
		}
	})
	waitFor(t, "the program's cluster to be ready", func() (bool, error) {
		_, err := os.Stat(filepath.Join(dir, "ready"))
		return err == nil, nil
	})
	// The service map is readable from scripts.
	addr, err := exec.Command(program, "service-addr", "--dir", dir, "default/kubernetes:443").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(addr), "127.0.0.1:") {
		t.Errorf("service-addr default/kubernetes:443 = %q, %v; want 127.0.0.1:PORT", addr, err)
	}
	// A pod, so that the program has a pod process too.
	kubectl := kubectlPath(t)
	if b, err := exec.Command(kubectl, "--kubeconfig", filepath.Join(dir, "kubeconfig"), "run", "orphan",
		"--image", podserverImage, "--port", "8080").CombinedOutput(); err != nil {
		t.Fatalf("kubectl run: %v\n%s", err, b)
	}
	waitFor(t, "the pod's process", func() (bool, error) {
		return len(processesUnder(t, filepath.Join(dir, "pods"))) == 1, nil
	})
	before := processesUnder(t, dir)
	if len(before) < 4 {
		t.Fatalf("found %d processes of the program's cluster, want at least 4: %v", len(before), before)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for len(processesUnder(t, dir)) > 0 && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
	if left := processesUnder(t, dir); len(left) > 0 {
		t.Errorf("processes left after the program was killed: %v", left)
	}
}

// A start that fails part-way says why and stops what it had started.
func TestFailedStartReportsWhyAndStopsWhatStarted(t *testing.T) {
	t.Parallel()
	assets, err := filepath.Abs(filepath.Join("..", "..", "bin", "k8s"))
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		assets = dir
	}
	// Real etcd and controller manager, and an API server that refuses to start.
	k8sBin := t.TempDir()
	for _, name := range []string{"etcd", "kube-controller-manager"} {
		if err := os.Symlink(filepath.Join(assets, name), filepath.Join(k8sBin, name)); err != nil {
			t.Fatal(err)
		}
	}
	broken := "#!/bin/sh\necho 'Error: unknown flag: --for-this-test' >&2\nexit 1\n"
	if err := os.WriteFile(filepath.Join(k8sBin, "kube-apiserver"), []byte(broken), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := localcluster.Start(ctx, localcluster.Options{Dir: dir, KubernetesBinDir: k8sBin, Node: localcluster.NodeProcess})
	if err == nil {
		stopErr := c.Stop()
		t.Fatalf("Start succeeded with a broken kube-apiserver (stop: %v)", stopErr)
	}
	for _, want := range []string{"kube-apiserver exited with code 1", "unknown flag: --for-this-test"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if left := processesUnder(t, dir); len(left) > 0 {
		t.Errorf("processes left after the failed start: %v", left)
	}
}
