//go:build e2e

// Package helminstall installs the operator's Helm chart into a local cluster
// (test/localcluster: its real node, containers of `make images`, when this machine can
// run it, else its process node; with a real PostgreSQL) and
// follows a release through the life a platform team gives it: `helm install` (the CRD
// included), the operator it deploys reconciling the sample InterviewAPI to Healthy
// with nothing but its ServiceAccount's RBAC, `helm test`, and `helm uninstall`, which
// must keep the CRD (and every InterviewAPI) and remove everything else. `make
// test-e2e` runs it (build tag e2e, after `make tools build`).
package helminstall

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/e2e/framework"
	"github.com/interviewapi/operator/test/localcluster"
)

// defaultNode is the node the test runs on unless E2E_NODE says otherwise: the real
// node when this machine can run it, else the process node (the log says which, why).
const defaultNode = "auto"

const (
	release          = "iapi"
	releaseNamespace = "interviewapi-system"
	operatorChart    = "charts/interviewapi-operator"
	crdName          = "interviewapis.apps.interviewapi.io"
	// The sample InterviewAPI, created without config/samples' Secret: that one holds a
	// placeholder URL, and the local cluster's default/interview-db already holds the
	// URL of its PostgreSQL.
	sampleFile = "config/samples/apps_v1alpha1_interviewapi.yaml"
	// operatorName is the chart's full name for the release "iapi": the Deployment,
	// ServiceAccount and the prefix of every other object.
	operatorName = release + "-interviewapi-operator"
)

// TestHelmInstallTestUninstall installs the chart with its default values: the images
// they name (ghcr.io/interviewapi/interviewapi-operator:APPVERSION, and the sample's
// ghcr.io/interviewapi/interviewapi-server) are the images `make images` built, which
// the real node imports under that tag (the process node maps them to
// bin/interviewapi-operator and bin/interviewapi-server), so the release runs this
// build exactly as a user's would run the published images.
func TestHelmInstallTestUninstall(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin")
	for _, program := range []string{"helm", "interviewapi-operator", "interviewapi-server", "k8s/kube-apiserver", "k8s/etcd", "k8s/kube-controller-manager"} {
		if _, err := os.Stat(filepath.Join(bin, program)); err != nil {
			t.Fatalf("%s is missing: run `make tools build` first (make test-e2e does): %v", filepath.Join(bin, program), err)
		}
	}
	ctx := t.Context()
	var times timings
	begin := time.Now()

	node, err := localcluster.ParseNodeKind(cmp.Or(os.Getenv("E2E_NODE"), defaultNode))
	if err != nil {
		t.Fatalf("E2E_NODE: %v", err)
	}
	cluster, err := localcluster.Start(ctx, localcluster.Options{
		Dir: t.TempDir(), BinDir: bin, Node: node,
		// The real node imports bin/images; the chart's default values and the sample
		// name the tag appVersion.
		ImageTags: []string{framework.ChartAppVersion(root)},
		// As the e2e suite's (test/e2e): the real node's start passed the default 2
		// minutes on two cores at load 39.
		StartTimeout: 5 * time.Minute,
	})
	if err != nil {
		t.Fatalf("start the local cluster: %v", err)
	}
	t.Logf("NODE %s: %s", cluster.Node, cluster.NodeReason)
	t.Cleanup(func() {
		if err := cluster.Stop(); err != nil {
			t.Errorf("stop the local cluster: %v", err)
		}
	})
	times.add("cluster start", begin)
	c := newClient(t, cluster.RESTConfig)
	dumpOnFailure(t, c, cluster.Dir, releaseNamespace, "default")
	h := helmCLI{path: filepath.Join(bin, "helm"), dir: root, kubeconfig: cluster.Kubeconfig, home: t.TempDir()}

	if err := c.Get(ctx, client.ObjectKey{Name: crdName}, &apiextensionsv1.CustomResourceDefinition{}); !apierrors.IsNotFound(err) {
		t.Fatalf("the CRD exists before helm install (err %v): the cluster must start without it, so that the chart is what installs it", err)
	}

	step := time.Now()
	out := h.mustRun(t, time.Minute, "install", release, operatorChart, "--namespace", releaseNamespace, "--create-namespace")
	t.Logf("helm install:\n%s", out)
	operatorPod := waitOperatorReady(t, c)
	times.add("install → operator pod ready", step)
	if got, want := operatorPod.Spec.ServiceAccountName, operatorName; got != want {
		t.Fatalf("operator pod runs as ServiceAccount %q, want the chart's %q", got, want)
	}

	step = time.Now()
	instance := createSample(t, c, root)
	waitHealthy(t, c, instance)
	times.add("sample created → Healthy", step)
	assertDatabaseSecretKept(t, c, cluster.PodDatabaseURL(cluster.DatabaseURL))
	assertServes(t, cluster, instance)
	assertNothingForbidden(t, cluster.PodLogPath(releaseNamespace, operatorPod.Name, "manager"))

	// Without --logs: the test pod is deleted as soon as it succeeds (hook-succeeded, so
	// that no pod outlives the release), and helm would then fail to fetch its log
	// (helm/helm#9098). The local cluster keeps every container's output in a file.
	step = time.Now()
	out = h.mustRun(t, 2*time.Minute, "test", release, "--namespace", releaseNamespace, "--timeout", "90s")
	times.add("helm test", step)
	t.Logf("helm test:\n%s", out)
	if !strings.Contains(out, "Phase:          Succeeded") {
		t.Errorf("helm test does not report the test pod Succeeded")
	}
	checkLog, err := os.ReadFile(cluster.PodLogPath(releaseNamespace, operatorName+"-test", "check"))
	if err != nil {
		t.Fatalf("the helm test pod's output: %v", err)
	}
	t.Logf("helm test pod output:\n%s", checkLog)
	for _, want := range []string{
		"ok: CRD served\n",
		"ok: operator Deployment " + releaseNamespace + "/" + operatorName + " rolled out\n",
		"ok: leader renews Lease " + releaseNamespace + "/",
	} {
		if !strings.Contains(string(checkLog), want) {
			t.Errorf("the helm test pod did not check %q", strings.TrimSpace(want))
		}
	}

	installed := releaseObjects(t, h, c, "manifest")
	hooks := releaseObjects(t, h, c, "hooks")
	assertIncludes(t, "the release's manifest", installed, "CustomResourceDefinition "+crdName,
		"Deployment "+releaseNamespace+"/"+operatorName, "ServiceAccount "+releaseNamespace+"/"+operatorName,
		"Service "+releaseNamespace+"/"+operatorName+"-metrics",
		"ClusterRole "+operatorName+"-manager", "ClusterRoleBinding "+operatorName+"-manager")
	assertIncludes(t, "the release's hooks", hooks, "Pod "+releaseNamespace+"/"+operatorName+"-test")

	step = time.Now()
	out = h.mustRun(t, 2*time.Minute, "uninstall", release, "--namespace", releaseNamespace, "--wait", "--timeout", "90s")
	t.Logf("helm uninstall:\n%s", out)
	assertUninstalled(t, h, c, installed, hooks, instance)
	times.add("uninstall → operator gone", step)
	times.add("total", begin)
	t.Logf("timings: %s", times)
}

// timings are the durations of the test's steps, for the log.
type timings []string

func (ts *timings) add(what string, since time.Time) {
	*ts = append(*ts, fmt.Sprintf("%s %s", what, time.Since(since).Round(100*time.Millisecond)))
}

func (ts timings) String() string { return strings.Join(ts, ", ") }

func newClient(t *testing.T, cfg *rest.Config) client.Client {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, iapiv1alpha1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatalf("client of the local cluster: %v", err)
	}
	return c
}

// waitOperatorReady waits for a Ready pod of the release's operator Deployment.
func waitOperatorReady(t *testing.T, c client.Client) *corev1.Pod {
	t.Helper()
	var ready *corev1.Pod
	err := waitFor(t.Context(), time.Minute, "a Ready operator pod", func(ctx context.Context) (bool, string, error) {
		var pods corev1.PodList
		if err := c.List(ctx, &pods, client.InNamespace(releaseNamespace), operatorPodLabels()); err != nil {
			return false, err.Error(), nil
		}
		var states []string
		for i := range pods.Items {
			p := &pods.Items[i]
			if podReady(p) && p.DeletionTimestamp == nil {
				ready = p
				return true, "", nil
			}
			states = append(states, podSummary(p))
		}
		return false, fmt.Sprintf("pods %v", states), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ready
}

func operatorPodLabels() client.MatchingLabels {
	return client.MatchingLabels{"app.kubernetes.io/name": "interviewapi-operator", "app.kubernetes.io/instance": release}
}

// createSample creates config/samples' InterviewAPI, unchanged, in default.
func createSample(t *testing.T, c client.Client, root string) *iapiv1alpha1.InterviewAPI {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, sampleFile))
	if err != nil {
		t.Fatal(err)
	}
	in := &iapiv1alpha1.InterviewAPI{}
	if err := yaml.UnmarshalStrict(b, in); err != nil {
		t.Fatalf("%s: %v", sampleFile, err)
	}
	if in.Kind != "InterviewAPI" {
		t.Fatalf("%s holds a %s, want an InterviewAPI", sampleFile, in.Kind)
	}
	in.Namespace = "default"
	if err := c.Create(t.Context(), in); err != nil {
		t.Fatalf("create the sample InterviewAPI: %v", err)
	}
	return in
}

// waitHealthy waits until the operator has reconciled the instance's current
// generation to phase Healthy, Available, with every declared replica ready.
func waitHealthy(t *testing.T, c client.Client, in *iapiv1alpha1.InterviewAPI) {
	t.Helper()
	want := ptr.Deref(in.Spec.Replicas, 1)
	err := waitFor(t.Context(), time.Minute, "InterviewAPI "+in.Name+" Healthy", func(ctx context.Context) (bool, string, error) {
		var got iapiv1alpha1.InterviewAPI
		if err := c.Get(ctx, client.ObjectKeyFromObject(in), &got); err != nil {
			return false, err.Error(), nil
		}
		st := got.Status
		available := meta.FindStatusCondition(st.Conditions, iapiv1alpha1.ConditionAvailable)
		state := fmt.Sprintf("phase=%q observedGeneration=%d/%d ready=%d/%d Available=%v", st.Phase, st.ObservedGeneration, got.Generation, st.ReadyReplicas, want, available)
		done := st.Phase == iapiv1alpha1.PhaseHealthy && st.ObservedGeneration == got.Generation &&
			st.ReadyReplicas == want && meta.IsStatusConditionTrue(st.Conditions, iapiv1alpha1.ConditionAvailable)
		return done, state, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// assertDatabaseSecretKept: the test must not have replaced the cluster's database URL
// by the sample Secret's placeholder (the instance would then be Healthy only by luck).
func assertDatabaseSecretKept(t *testing.T, c client.Client, url string) {
	t.Helper()
	var s corev1.Secret
	if err := c.Get(t.Context(), client.ObjectKey{Namespace: "default", Name: "interview-db"}, &s); err != nil {
		t.Fatal(err)
	}
	if got := string(s.Data["url"]); got != url {
		t.Fatalf("default/interview-db url = %q, want the local cluster's database %q", got, url)
	}
}

// assertServes asks the instance's Service, through the local cluster's service proxy,
// for /readyz, which the server answers 200 only when PostgreSQL answers.
func assertServes(t *testing.T, cluster *localcluster.Cluster, in *iapiv1alpha1.InterviewAPI) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	addr, err := cluster.WaitServiceAddr(ctx, in.Namespace, in.Name, 8000)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/readyz", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /readyz through Service %s/%s: %v", in.Namespace, in.Name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /readyz through Service %s/%s: %s", in.Namespace, in.Name, resp.Status)
	}
}

// assertNothingForbidden: the chart's RBAC must cover every request the operator made
// to reconcile the instance; a refused one is retried and may go unnoticed otherwise.
func assertNothingForbidden(t *testing.T, operatorLog string) {
	t.Helper()
	b, err := os.ReadFile(operatorLog)
	if err != nil {
		t.Fatalf("the operator's log: %v", err)
	}
	if i := strings.Index(string(b), "forbidden"); i >= 0 {
		t.Errorf("the operator's log shows a request its RBAC refused: …%s…", b[max(0, i-300):min(len(b), i+200)])
	}
}

// releaseObjects is what `helm get manifest|hooks` lists for the release.
func releaseObjects(t *testing.T, h helmCLI, c client.Client, what string) []*unstructured.Unstructured {
	t.Helper()
	out := h.mustRun(t, 30*time.Second, "get", what, release, "--namespace", releaseNamespace)
	objs, err := decodeManifests(c, out, releaseNamespace)
	if err != nil {
		t.Fatalf("helm get %s: %v", what, err)
	}
	return objs
}

func assertIncludes(t *testing.T, what string, objs []*unstructured.Unstructured, want ...string) {
	t.Helper()
	var names []string
	for _, o := range objs {
		names = append(names, describe(o))
	}
	for _, w := range want {
		if !slices.Contains(names, w) {
			t.Errorf("%s lacks %s; it has %v", what, w, names)
		}
	}
}

// assertUninstalled: the CRD and the InterviewAPI stay; every other object of the
// release and of its test hooks is gone, the operator's pods too, and helm no longer
// lists the release.
func assertUninstalled(t *testing.T, h helmCLI, c client.Client, installed, hooks []*unstructured.Unstructured, in *iapiv1alpha1.InterviewAPI) {
	t.Helper()
	ctx := t.Context()
	if err := c.Get(ctx, client.ObjectKey{Name: crdName}, &apiextensionsv1.CustomResourceDefinition{}); err != nil {
		t.Errorf("helm uninstall removed the CRD, and with it every InterviewAPI: %v", err)
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(in), &iapiv1alpha1.InterviewAPI{}); err != nil {
		t.Errorf("the InterviewAPI %s/%s did not survive helm uninstall: %v", in.Namespace, in.Name, err)
	}
	for _, o := range append(slices.Clone(installed), hooks...) {
		if o.GetKind() == "CustomResourceDefinition" {
			continue
		}
		present, err := exists(ctx, c, o)
		switch {
		case err != nil:
			t.Error(err)
		case present:
			t.Errorf("%s is still there after helm uninstall", describe(o))
		}
	}
	// Helm deletes the Deployment; the garbage collector then deletes its pods, and
	// the local cluster stops their processes.
	err := waitFor(ctx, 30*time.Second, "the operator pods gone", func(ctx context.Context) (bool, string, error) {
		var pods corev1.PodList
		if err := c.List(ctx, &pods, client.InNamespace(releaseNamespace), operatorPodLabels()); err != nil {
			return false, err.Error(), nil
		}
		var left []string
		for i := range pods.Items {
			left = append(left, podSummary(&pods.Items[i]))
		}
		return len(left) == 0, fmt.Sprintf("pods %v", left), nil
	})
	if err != nil {
		t.Error(err)
	}
	out := h.mustRun(t, 30*time.Second, "list", "--all", "--short", "--namespace", releaseNamespace)
	if strings.Contains(out, release) {
		t.Errorf("helm still lists the release after uninstall:\n%s", out)
	}
}
