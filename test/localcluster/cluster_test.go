package localcluster_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/interviewapi/operator/test/localcluster"
)

// TestCluster starts one cluster and runs the behaviours that can share it side by
// side, each in its own namespace.
func TestCluster(t *testing.T) {
	t.Parallel()
	c := startCluster(t, localcluster.Options{CRDPaths: []string{"../../config/crd/bases"}})
	tests := []struct {
		name string
		run  func(*testing.T, *localcluster.Cluster)
	}{
		{"DeploymentPodsRunReadyOnTheirOwnAddresses", testDeploymentPodsRunReady},
		{"ContainerEnvironmentIsResolved", testContainerEnvironment},
		{"ServiceProxySplitsConnectionsAcrossReadyPods", testServiceProxySplits},
		{"DeletedPodIsTerminatedAndReplaced", testDeletedPodIsReplaced},
		{"UnmappableImageReportsWhy", testUnmappableImage},
		{"CrashingContainerIsRestarted", testCrashingContainerRestarts},
		{"FailingLivenessRestartsTheContainer", testLivenessRestarts},
		{"FailingReadinessTakesThePodOutOfTheService", testReadinessFailure},
		{"InitContainersCompleteFirst", testInitContainers},
		{"ServiceAccountPodGetsItsOwnIdentity", testServiceAccountIdentity},
		{"ServiceAccountKubeconfigForAProgram", testServiceAccountKubeconfig},
		{"DatabaseSecretAndOutage", testDatabase},
		{"KubectlWorksWithTheKubeconfig", testKubectl},
		{"CRDsAreInstalled", testCRDsInstalled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, c)
		})
	}
}

func testDeploymentPodsRunReady(t *testing.T, c *localcluster.Cluster) {
	ns := newNamespace(t, c.Clientset)
	created := time.Now()
	if _, err := c.Clientset.AppsV1().Deployments(ns).Create(t.Context(), podserverDeployment(ns, "web", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := readyPods(t, c.Clientset, ns, map[string]string{"app": "web"}, 2)
	t.Logf("2 pods of a new Deployment Running and Ready %s after its creation", time.Since(created).Round(time.Millisecond))
	seen := map[string]bool{}
	for _, p := range pods {
		ip := net.ParseIP(p.Status.PodIP)
		if ip == nil || !ip.IsLoopback() || p.Status.PodIP == "127.0.0.1" {
			t.Errorf("pod %s has address %q, want its own 127.0.0.x", p.Name, p.Status.PodIP)
		}
		if seen[p.Status.PodIP] {
			t.Errorf("address %s given to two pods", p.Status.PodIP)
		}
		seen[p.Status.PodIP] = true
		if p.Spec.NodeName != c.NodeName || p.Status.HostIP != "127.0.0.1" {
			t.Errorf("pod %s: node %q hostIP %q, want %q and 127.0.0.1", p.Name, p.Spec.NodeName, p.Status.HostIP, c.NodeName)
		}
		for _, cond := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
			if !podConditionTrue(&p, cond) {
				t.Errorf("pod %s: condition %s not True: %+v", p.Name, cond, p.Status.Conditions)
			}
		}
		if len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].State.Running == nil || !p.Status.ContainerStatuses[0].Ready {
			t.Errorf("pod %s: container status %+v, want running and ready", p.Name, p.Status.ContainerStatuses)
		}
		// The pod really serves on its own address.
		var who map[string]any
		getJSON(t, "http://"+p.Status.PodIP+":8080/whoami", &who)
		if who["pod"] != p.Name {
			t.Errorf("%s:8080 answered as %v, want pod %s", p.Status.PodIP, who["pod"], p.Name)
		}
	}
}

func testContainerEnvironment(t *testing.T, c *localcluster.Cluster) {
	ns := newNamespace(t, c.Clientset)
	ctx := t.Context()
	if _, err := c.Clientset.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "creds"}, StringData: map[string]string{"password": "s3cret"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Clientset.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"mode": "async", "size": "20"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	container := podserverContainer()
	container.EnvFrom = []corev1.EnvFromSource{{Prefix: "CFG_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}}}}
	container.Env = []corev1.EnvVar{
		{Name: "PLAIN", Value: "value"},
		{Name: "EXPANDED", Value: "$(PLAIN)-and-$(CFG_mode)-$$(PLAIN)"},
		{Name: "PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "creds"}, Key: "password"}}},
		{Name: "MODE", ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "settings"}, Key: "mode"}}},
		{Name: "OPTIONAL", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "absent"}, Key: "x", Optional: new(true)}}},
		{Name: "MY_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		{Name: "MY_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
		{Name: "MY_IP", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		{Name: "MY_TEAM", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['team']"}}},
		{Name: "LISTEN_ADDR", Value: ":8080"},
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "env", Labels: map[string]string{"app": "env", "team": "platform"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{container}},
	}
	if _, err := c.Clientset.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	running := readyPods(t, c.Clientset, ns, map[string]string{"app": "env"}, 1)[0]
	ip := running.Status.PodIP
	env := podEnv(t, running)
	want := map[string]string{
		"PLAIN":        "value",
		"EXPANDED":     "value-and-async-$(PLAIN)",
		"PASSWORD":     "s3cret",
		"MODE":         "async",
		"CFG_mode":     "async",
		"CFG_size":     "20",
		"MY_NAME":      "env",
		"MY_NAMESPACE": ns,
		"MY_IP":        ip,
		"MY_TEAM":      "platform",
		"POD_IP":       ip,
		"HOSTNAME":     "env",
		// A listen address without a host is narrowed to the pod's address.
		"LISTEN_ADDR": ip + ":8080",
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("env %s = %q, want %q", k, env[k], v)
		}
	}
	if v, ok := env["OPTIONAL"]; ok {
		t.Errorf("OPTIONAL from a missing optional Secret is set to %q, want unset", v)
	}
}

func testServiceProxySplits(t *testing.T, c *localcluster.Cluster) {
	ns := newNamespace(t, c.Clientset)
	ctx := t.Context()
	if _, err := c.Clientset.AppsV1().Deployments(ns).Create(ctx, podserverDeployment(ns, "api", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "api"},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "api"},
			Ports:    []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http")}},
		},
	}
	if _, err := c.Clientset.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := readyPods(t, c.Clientset, ns, map[string]string{"app": "api"}, 2)
	addr, err := c.WaitServiceAddr(ctx, ns, "api", 80)
	if err != nil {
		t.Fatal(err)
	}
	// The proxy learns of ready pods from the same watch as the test; wait until
	// both answer before counting.
	counts := map[string]int{}
	waitFor(t, "both pods behind the service", func() (bool, error) {
		var who map[string]any
		getJSON(t, "http://"+addr+"/whoami", &who)
		counts[who["pod"].(string)]++
		return len(counts) == 2, nil
	})
	clear(counts)
	const requests = 20
	for range requests {
		var who map[string]any
		getJSON(t, "http://"+addr+"/whoami", &who)
		counts[who["pod"].(string)]++
	}
	// Round-robin over two ready backends: every other connection goes to each.
	for _, p := range pods {
		if counts[p.Name] != requests/2 {
			t.Errorf("pod %s got %d of %d connections, want %d (counts %v)", p.Name, counts[p.Name], requests, requests/2, counts)
		}
	}
	mapping := c.Services()
	if mapping[ns+"/api:80"] != addr {
		t.Errorf("Services()[%q] = %q, want %q", ns+"/api:80", mapping[ns+"/api:80"], addr)
	}
	data, err := os.ReadFile(c.Dir + "/services.json")
	if err != nil || !strings.Contains(string(data), `"`+ns+`/api:80": "`+addr+`"`) {
		t.Errorf("services.json does not map %s/api:80 to %s: %s (%v)", ns, addr, data, err)
	}
}

func testDeletedPodIsReplaced(t *testing.T, c *localcluster.Cluster) {
	ns := newNamespace(t, c.Clientset)
	ctx := t.Context()
	if _, err := c.Clientset.AppsV1().Deployments(ns).Create(ctx, podserverDeployment(ns, "svc", 2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pods := readyPods(t, c.Clientset, ns, map[string]string{"app": "svc"}, 2)
	victim := pods[0]
	pid, err := strconv.Atoi(strings.TrimPrefix(victim.Status.ContainerStatuses[0].ContainerID, "process://"))
	if err != nil {
		t.Fatalf("container id %q: %v", victim.Status.ContainerStatuses[0].ContainerID, err)
	}
	if err := c.Clientset.CoreV1().Pods(ns).Delete(ctx, victim.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pod "+victim.Name+" removed", func() (bool, error) {
		_, err := c.Clientset.CoreV1().Pods(ns).Get(ctx, victim.Name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("process %d of deleted pod %s still runs", pid, victim.Name)
	}
	log, err := os.ReadFile(c.PodLogPath(ns, victim.Name, "podserver"))
	if err != nil || !strings.Contains(string(log), "podserver: received SIGTERM") {
		t.Errorf("log of %s does not show a SIGTERM: %q (%v)", victim.Name, log, err)
	}
	replaced := readyPods(t, c.Clientset, ns, map[string]string{"app": "svc"}, 2)
	for _, p := range replaced {
		if p.Name == victim.Name {
			t.Errorf("deleted pod %s is back", p.Name)
		}
	}
}

func testUnmappableImage(t *testing.T, c *localcluster.Cluster) {
	ns := newNamespace(t, c.Clientset)
	ctx := t.Context()
	const image = "registry.example/no-such-program:v1"
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "unmapped"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "main", Image: image}}},
	}
	if _, err := c.Clientset.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var got *corev1.Pod
	waitFor(t, "pod with unmapped image to report why", func() (bool, error) {
		p, err := c.Clientset.CoreV1().Pods(ns).Get(ctx, "unmapped", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		got = p
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].State.Waiting != nil &&
			p.Status.ContainerStatuses[0].State.Waiting.Reason == "ErrImagePull", nil
	})
	waiting := got.Status.ContainerStatuses[0].State.Waiting
	for _, want := range []string{image, "no local binary", "podserver"} {
		if !strings.Contains(waiting.Message, want) {
			t.Errorf("waiting message %q does not mention %q", waiting.Message, want)
		}
	}
	if got.Status.Phase != corev1.PodPending || podConditionTrue(got, corev1.PodReady) {
		t.Errorf("phase %s ready %v, want Pending and not ready", got.Status.Phase, podConditionTrue(got, corev1.PodReady))
	}
	waitForEvent(t, c, ns, "unmapped", "Failed", "no local binary")
}

func testCrashingContainerRestarts(t *testing.T, c *localcluster.Cluster) {
	ns := newNamespace(t, c.Clientset)
	ctx := t.Context()
	container := podserverContainer("--exit-after=100ms", "--exit-code=3")
	container.ReadinessProbe, container.LivenessProbe = nil, nil
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "crasher"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{container}},
	}
	if _, err := c.Clientset.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two restarts after exit code 3", func() (bool, error) {
		p, err := c.Clientset.CoreV1().Pods(ns).Get(ctx, "crasher", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) != 1 {
			return false, err
		}
		s := p.Status.ContainerStatuses[0]
		last := s.LastTerminationState.Terminated
		return s.RestartCount >= 2 && last != nil && last.ExitCode == 3 && last.Reason == "Error" &&
			p.Status.Phase == corev1.PodRunning, nil
	})
	log, err := os.ReadFile(c.PodLogPath(ns, "crasher", "podserver"))
	if n := strings.Count(string(log), "exiting with code 3"); err != nil || n < 2 {
		t.Errorf("log shows %d runs ending with code 3, want at least 2 (%v)", n, err)
	}
}

func testLivenessRestarts(t *testing.T, c *localcluster.Cluster) {
	ns := newNamespace(t, c.Clientset)
	ctx := t.Context()
	container := podserverContainer()
	container.LivenessProbe.FailureThreshold = 1
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "sick", Labels: map[string]string{"app": "sick"}},
		Spec:       corev1.PodSpec{TerminationGracePeriodSeconds: new(int64(2)), Containers: []corev1.Container{container}},
	}
	if _, err := c.Clientset.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := readyPods(t, c.Clientset, ns, map[string]string{"app": "sick"}, 1)[0]
	post(t, "http://"+p.Status.PodIP+":8080/healthz/fail")
	waitFor(t, "a restart after the liveness probe failed", func() (bool, error) {
		p, err := c.Clientset.CoreV1().Pods(ns).Get(ctx, "sick", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) != 1 {
			return false, err
		}
		s := p.Status.ContainerStatuses[0]
		return s.RestartCount >= 1 && s.LastTerminationState.Terminated != nil, nil
	})
	log, err := os.ReadFile(c.PodLogPath(ns, "sick", "podserver"))
	if err != nil || !strings.Contains(string(log), "podserver: received SIGTERM") {
		t.Errorf("the unhealthy container was not stopped with SIGTERM: log %q (%v)", log, err)
	}
	waitForEvent(t, c, ns, "sick", "Killing", "failed liveness probe")
}

func testReadinessFailure(t *testing.T, c *localcluster.Cluster) {
	ns := newNamespace(t, c.Clientset)
	ctx := t.Context()
	container := podserverContainer()
	container.ReadinessProbe.HTTPGet.Path = "/readyz"
	container.ReadinessProbe.FailureThreshold = 1
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "flaky", Labels: map[string]string{"app": "flaky"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{container}},
	}
	if _, err := c.Clientset.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "flaky"},
		Spec: corev1.ServiceSpec{
			Selector: map[string]string{"app": "flaky"},
			Ports:    []corev1.ServicePort{{Port: 8080}},
		},
	}
	if _, err := c.Clientset.CoreV1().Services(ns).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := readyPods(t, c.Clientset, ns, map[string]string{"app": "flaky"}, 1)[0]
	addr, err := c.WaitServiceAddr(ctx, ns, "flaky", 8080)
	if err != nil {
		t.Fatal(err)
	}
	// Every try is a new connection: like kube-proxy, the proxy stops sending new
	// connections to a pod that turns unready but leaves established ones alone, so a
	// kept-alive connection would still reach the pod (built with go1.27.3, the client
	// reused the first try's connection and this test waited in vain; with go1.26.8 it
	// did not).
	fresh := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	waitFor(t, "the proxy to forward to the ready pod", func() (bool, error) {
		resp, err := fresh.Get("http://" + addr + "/whoami")
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
	post(t, "http://"+p.Status.PodIP+":8080/readyz/fail")
	waitFor(t, "the pod to turn unready while it keeps running", func() (bool, error) {
		p, err := c.Clientset.CoreV1().Pods(ns).Get(ctx, "flaky", metav1.GetOptions{})
		if err != nil || len(p.Status.ContainerStatuses) != 1 {
			return false, err
		}
		s := p.Status.ContainerStatuses[0]
		return !podConditionTrue(p, corev1.PodReady) && !s.Ready && s.State.Running != nil && s.RestartCount == 0, nil
	})
	// With no ready backend the proxy closes connections instead of forwarding them.
	waitFor(t, "the proxy to drop the unready pod", func() (bool, error) {
		resp, err := fresh.Get("http://" + addr + "/whoami")
		if err == nil {
			resp.Body.Close()
		}
		return err != nil, nil
	})
}

func testInitContainers(t *testing.T, c *localcluster.Cluster) {
	ns := newNamespace(t, c.Clientset)
	ctx := t.Context()
	initContainer := corev1.Container{
		Name:  "migrate",
		Image: podserverImage,
		Args:  []string{"--exit-after=200ms", "--exit-code=0"},
		Env:   []corev1.EnvVar{{Name: "LISTEN_ADDR", Value: ":8081"}},
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "initialised", Labels: map[string]string{"app": "initialised"}},
		Spec: corev1.PodSpec{
			InitContainers: []corev1.Container{initContainer},
			Containers:     []corev1.Container{podserverContainer()},
		},
	}
	if _, err := c.Clientset.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := readyPods(t, c.Clientset, ns, map[string]string{"app": "initialised"}, 1)[0]
	if !podConditionTrue(&p, corev1.PodInitialized) {
		t.Errorf("Initialized is not True: %+v", p.Status.Conditions)
	}
	if len(p.Status.InitContainerStatuses) != 1 {
		t.Fatalf("init container statuses: %+v", p.Status.InitContainerStatuses)
	}
	term := p.Status.InitContainerStatuses[0].State.Terminated
	if term == nil || term.ExitCode != 0 || term.Reason != "Completed" {
		t.Errorf("init container state %+v, want terminated with code 0, Completed", p.Status.InitContainerStatuses[0].State)
	}
	main := p.Status.ContainerStatuses[0].State.Running
	if term != nil && main != nil && main.StartedAt.Before(&term.FinishedAt) {
		t.Errorf("main container started at %s, before the init container finished at %s", main.StartedAt, term.FinishedAt)
	}
}

func waitForEvent(t *testing.T, c *localcluster.Cluster, ns, object, reason, text string) {
	t.Helper()
	waitFor(t, "event "+reason+" on "+object, func() (bool, error) {
		events, err := c.Clientset.CoreV1().Events(ns).List(t.Context(), metav1.ListOptions{
			FieldSelector: fields.OneTermEqualSelector("involvedObject.name", object).String()})
		if err != nil {
			return false, err
		}
		for _, e := range events.Items {
			if e.Reason == reason && strings.Contains(e.Message, text) {
				return true, nil
			}
		}
		return false, nil
	})
}

func testServiceAccountIdentity(t *testing.T, c *localcluster.Cluster) {
	ns := newNamespace(t, c.Clientset)
	ctx := t.Context()
	if _, err := c.Clientset.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "robot"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "robot", Labels: map[string]string{"app": "robot"}},
		Spec:       corev1.PodSpec{ServiceAccountName: "robot", Containers: []corev1.Container{podserverContainer()}},
	}
	if _, err := c.Clientset.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	running := readyPods(t, c.Clientset, ns, map[string]string{"app": "robot"}, 1)[0]
	kubeconfig := podEnv(t, running)["KUBECONFIG"]
	if kubeconfig == "" {
		t.Fatal("the pod's process has no KUBECONFIG")
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("load the pod's kubeconfig: %v", err)
	}
	asPod := kubernetes.NewForConfigOrDie(cfg)
	review, err := asPod.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("SelfSubjectReview with the pod's kubeconfig: %v", err)
	}
	if want := "system:serviceaccount:" + ns + ":robot"; review.Status.UserInfo.Username != want {
		t.Errorf("the pod acts as %q, want %q", review.Status.UserInfo.Username, want)
	}
	// Exactly its RBAC: nothing before a Role grants it, what the Role grants after.
	if _, err := asPod.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("listing pods without a Role: err = %v, want Forbidden", err)
	}
	grantPodReading(t, c.Clientset, ns, "robot")
	waitFor(t, "the Role to take effect", func() (bool, error) {
		_, err := asPod.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		return err == nil, nil
	})
	if _, err := asPod.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("listing secrets with a pod-reading Role: err = %v, want Forbidden", err)
	}
}

// A program that is not a pod (the end-to-end suite's Prometheus) acts as a
// ServiceAccount through the kubeconfig and token ServiceAccountKubeconfig writes.
func testServiceAccountKubeconfig(t *testing.T, c *localcluster.Cluster) {
	ns := newNamespace(t, c.Clientset)
	ctx := t.Context()
	if _, err := c.Clientset.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "scraper"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	kubeconfig, token, err := c.ServiceAccountKubeconfig(ctx, t.TempDir(), ns, "scraper", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(token); err != nil || len(b) == 0 {
		t.Fatalf("token file %s: %q, %v", token, b, err)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	review, err := kubernetes.NewForConfigOrDie(cfg).AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("SelfSubjectReview with the written kubeconfig: %v", err)
	}
	if want := "system:serviceaccount:" + ns + ":scraper"; review.Status.UserInfo.Username != want {
		t.Errorf("the kubeconfig acts as %q, want %q", review.Status.UserInfo.Username, want)
	}
}

func grantPodReading(t *testing.T, c kubernetes.Interface, ns, serviceAccount string) {
	t.Helper()
	ctx := t.Context()
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}},
	}
	if _, err := c.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "pod-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "pod-reader"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: serviceAccount, Namespace: ns}},
	}
	if _, err := c.RbacV1().RoleBindings(ns).Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func testDatabase(t *testing.T, c *localcluster.Cluster) {
	ctx := t.Context()
	secret, err := c.Clientset.CoreV1().Secrets(metav1.NamespaceDefault).Get(ctx, localcluster.DatabaseSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(secret.Data[localcluster.DatabaseSecretKey]); got == "" || got != c.DatabaseURL {
		t.Fatalf("secret %s key %s = %q, want the cluster's DatabaseURL %q", localcluster.DatabaseSecret, localcluster.DatabaseSecretKey, got, c.DatabaseURL)
	}
	ping := func() error {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, c.DatabaseURL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		return conn.Ping(ctx)
	}
	if err := ping(); err != nil {
		t.Fatalf("database at %s: %v", c.DatabaseURL, err)
	}
	if err := c.StopDatabase(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ping(); err == nil {
		t.Fatal("database answers after StopDatabase")
	}
	if err := c.StartDatabase(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ping(); err != nil {
		t.Fatalf("database after StartDatabase: %v", err)
	}
}

func testKubectl(t *testing.T, c *localcluster.Cluster) {
	kubectl := kubectlPath(t)
	out, err := exec.Command(kubectl, "--kubeconfig", c.Kubeconfig, "get", "nodes", "--no-headers").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl get nodes: %v\n%s", err, out)
	}
	if fields := strings.Fields(string(out)); len(fields) < 2 || fields[0] != c.NodeName || fields[1] != "Ready" {
		t.Errorf("kubectl get nodes = %q, want %s Ready", out, c.NodeName)
	}
	// kubectl logs goes through the API server to the node agent.
	ns := newNamespace(t, c.Clientset)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "talker", Labels: map[string]string{"app": "talker"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{podserverContainer()}},
	}
	if _, err := c.Clientset.CoreV1().Pods(ns).Create(t.Context(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	running := readyPods(t, c.Clientset, ns, map[string]string{"app": "talker"}, 1)[0]
	out, err = exec.Command(kubectl, "--kubeconfig", c.Kubeconfig, "-n", ns, "logs", "talker").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl logs: %v\n%s", err, out)
	}
	if want := "podserver: listening on " + running.Status.PodIP + ":8080"; !strings.Contains(string(out), want) {
		t.Errorf("kubectl logs = %q, want it to contain %q", out, want)
	}
}

func testCRDsInstalled(t *testing.T, c *localcluster.Cluster) {
	resources, err := c.Clientset.Discovery().ServerResourcesForGroupVersion("apps.interviewapi.io/v1alpha1")
	if err != nil {
		t.Fatalf("the InterviewAPI group is not served: %v", err)
	}
	for _, r := range resources.APIResources {
		if r.Name == "interviewapis" {
			return
		}
	}
	t.Errorf("interviewapis not among the served resources %+v", resources.APIResources)
}
