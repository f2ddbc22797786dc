//go:build e2e

package e2e

import (
	"cmp"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/e2e/framework"
	"github.com/interviewapi/operator/test/localcluster"
)

// startTimeout bounds the local cluster's start.
const startTimeout = 5 * time.Minute

// defaultNode is the node the suite runs on unless E2E_NODE says otherwise: the real
// node when this machine can run it, else the process node (the log says which, why).
const defaultNode = "auto"

// env is the one cluster the scenarios share, each in its own namespace with its own
// database: the local cluster, or the user's with E2E_KUBECONFIG.
type env struct {
	root    string // the repository
	bin     string // bin/ of the repository
	dir     string // the suite's files: the local cluster's, operator logs, Prometheus
	cluster framework.Cluster
	client  client.Client
	kubectl framework.Kubectl
}

// startEnv brings the local cluster up for the whole test and down at its end, or,
// with E2E_KUBECONFIG, takes the user's cluster (docs/localcluster.md, "Running the
// end-to-end suite against your own cluster"). Set E2E_DIR to keep the suite's files
// (pod and component logs) after the run, and E2E_BIN_DIR to run the binaries of
// another build than the repository's bin/.
func startEnv(t *testing.T) *env {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "bin")
	if dir := os.Getenv("E2E_BIN_DIR"); dir != "" {
		if bin, err = filepath.Abs(dir); err != nil {
			t.Fatal(err)
		}
	}
	external := os.Getenv("E2E_KUBECONFIG")
	programs := []string{"interviewapi-server", "interviewapi-operator", "k8s/kubectl", "k8s/kube-apiserver"}
	if external != "" {
		programs = []string{"interviewapi-operator", "k8s/kubectl"}
	}
	for _, program := range programs {
		if _, err := os.Stat(filepath.Join(bin, program)); err != nil {
			t.Fatalf("%s is missing: run `make tools build` first (make test-e2e does): %v", filepath.Join(bin, program), err)
		}
	}
	dir := os.Getenv("E2E_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	start := time.Now()
	var c framework.Cluster
	if external != "" {
		c = useExternalCluster(t, root, bin, external)
	} else {
		c = startLocalCluster(t, root, bin, dir)
	}
	t.Logf("CLUSTER %s, ready in %s (files in %s)", c.Describe(), time.Since(start).Round(time.Millisecond), dir)
	framework.SetPodDialer(c.DialPod)
	cl, err := framework.NewClient(c.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	return &env{
		root:    root,
		bin:     bin,
		dir:     dir,
		cluster: c,
		client:  cl,
		kubectl: framework.Kubectl{Path: filepath.Join(bin, "k8s", "kubectl"), Kubeconfig: c.Kubeconfig(), ExtraPath: bin},
	}
}

// startLocalCluster starts the local cluster on the node E2E_NODE names (default
// auto) and stops it when the test ends.
func startLocalCluster(t *testing.T, root, bin, dir string) framework.Cluster {
	t.Helper()
	node, err := localcluster.ParseNodeKind(cmp.Or(os.Getenv("E2E_NODE"), defaultNode))
	if err != nil {
		t.Fatalf("E2E_NODE: %v", err)
	}
	c, err := localcluster.Start(t.Context(), localcluster.Options{
		Dir:    dir,
		BinDir: bin,
		Node:   node,
		// config/manager's image; the in-cluster scenario runs it.
		Images: map[string]string{"controller": "interviewapi-operator"},
		// The real node imports bin/images: the server pods name the tag "e2e", and
		// config/default the chart's appVersion.
		ImageTags: []string{framework.ServerImageTag, framework.ChartAppVersion(root)},
		CRDPaths:  []string{filepath.Join(root, "config", "crd", "bases")},
		// The real node's start (the sandbox image built, three archives imported
		// into containerd, the node Ready) took 20-50 s at load 20 on two cores and
		// passed the default 2 minutes at load 39.
		StartTimeout: startTimeout,
	})
	if err != nil {
		t.Fatalf("start the local cluster: %v", err)
	}
	t.Logf("NODE %s: %s", c.Node, c.NodeReason)
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("stop the local cluster: %v", err)
		}
	})
	return framework.LocalCluster{C: c}
}

// useExternalCluster takes the cluster of kubeconfig, with the database of
// E2E_DATABASE_URL (E2E_POD_DATABASE_URL: that server as the pods reach it), and
// applies the CRD of this build to it.
func useExternalCluster(t *testing.T, root, bin, kubeconfig string) framework.Cluster {
	t.Helper()
	c, err := framework.NewExternalCluster(kubeconfig, os.Getenv("E2E_DATABASE_URL"), os.Getenv("E2E_POD_DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	k := framework.Kubectl{Path: filepath.Join(bin, "k8s", "kubectl"), Kubeconfig: c.Kubeconfig(), ExtraPath: bin}
	if _, err := k.Run(t.Context(), "apply", "--server-side", "-f", filepath.Join(root, "config", "crd", "bases")); err != nil {
		t.Fatalf("apply the CRD to the cluster of E2E_KUBECONFIG: %v", err)
	}
	return c
}

// localCluster is the local cluster for a scenario that needs what only it can do
// (why); on a cluster of the user's (E2E_KUBECONFIG) the scenario is skipped with that
// reason. The default path, the local cluster, never skips.
func (e *env) localCluster(t *testing.T, why string) *localcluster.Cluster {
	t.Helper()
	if c := e.cluster.Local(); c != nil {
		return c
	}
	t.Skipf("not run on the cluster of E2E_KUBECONFIG: this scenario %s, which only the local cluster can do", why)
	return nil
}

// scenario is one test's namespace, database, operator, instance and load.
type scenario struct {
	t        *testing.T
	env      *env
	ns       string
	key      types.NamespacedName
	dbURL    string
	operator *framework.Operator
	// logs are dumped when the scenario fails (the operator's, by default).
	logs []string
	load *framework.Load
}

// scenarioOptions change how a scenario starts.
type scenarioOptions struct {
	// noOperator leaves reconciling to an operator the scenario deploys itself.
	noOperator bool
	// operatorArgs are more flags of the scenario's operator.
	operatorArgs []string
}

// newScenario prepares a namespace named after the test with a database of its own
// and, unless told not to, a local operator watching only that namespace (with leader
// election in it, as a deployed operator would run). When the test fails, its cleanup
// dumps the instance's status, Deployments, pods, Events and the operator log.
func (e *env) newScenario(t *testing.T, name string, o scenarioOptions) *scenario {
	t.Helper()
	ctx := t.Context()
	s := &scenario{t: t, env: e, ns: name, key: types.NamespacedName{Namespace: name, Name: "interview"}}
	if err := framework.CreateNamespace(ctx, e.client, name); err != nil {
		t.Fatal(err)
	}
	url, err := framework.CreateDatabase(ctx, e.cluster.DatabaseURL(), strings.ReplaceAll(name, "-", "_"))
	if err != nil {
		t.Fatal(err)
	}
	s.dbURL = url
	if err := framework.WriteDatabaseSecret(ctx, e.client, name, e.cluster.PodDatabaseURL(url)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.cleanup)
	if !o.noOperator {
		s.startOperator(framework.OperatorOptions{ExtraArgs: o.operatorArgs})
	}
	return s
}

// startOperator starts the scenario's operator, a local process watching only the
// scenario's namespace, with leader election in it; o adds to that (its metrics
// address and extra arguments).
func (s *scenario) startOperator(o framework.OperatorOptions) {
	s.t.Helper()
	o.Binary = filepath.Join(s.env.bin, "interviewapi-operator")
	o.Kubeconfig = s.env.cluster.NodeKubeconfig()
	o.Wrap = s.env.cluster.NodeCommand
	o.LogPath = filepath.Join(s.env.dir, "operator-"+s.ns+".log")
	o.Namespaces = []string{s.ns}
	o.LeaderElectionNamespace = s.ns
	op, err := framework.StartOperator(o)
	if err != nil {
		s.t.Fatal(err)
	}
	s.operator = op
	s.logs = append(s.logs, op.LogPath())
}

func (s *scenario) cleanup() {
	if s.load != nil {
		s.load.Stop()
	}
	if s.t.Failed() {
		var b strings.Builder
		framework.Dump(context.Background(), &b, s.env.client, s.key, s.logs...)
		s.t.Logf("diagnostics of the failed scenario:\n%s", b.String())
	}
	if s.operator != nil {
		if err := s.operator.Stop(); err != nil {
			s.t.Errorf("stop the operator: %v", err)
		}
	}
	// The namespace goes in the background: the next scenario need not wait for its
	// pods to stop.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: s.ns}}
	if err := s.env.client.Delete(context.Background(), ns); err != nil {
		s.t.Logf("delete namespace %s: %v", s.ns, err)
	}
}

// createInstance creates the scenario's InterviewAPI and waits until all its pods
// serve on the mode it declares.
func (s *scenario) createInstance(o framework.InstanceOptions) *iapiv1alpha1.InterviewAPI {
	s.t.Helper()
	o.Namespace, o.Name = s.key.Namespace, s.key.Name
	in := framework.NewInstance(o)
	if err := s.env.client.Create(s.t.Context(), in); err != nil {
		s.t.Fatalf("create the InterviewAPI: %v", err)
	}
	s.waitAllPodsOn(int(in.Spec.ReplicasOrDefault()), iapiv1alpha1.ModeName(o.Async), 2*time.Minute)
	return s.get()
}

// waitAllPodsOn waits until exactly replicas pods serve, all ready on mode, none
// terminating, and the instance is Healthy with no canary.
func (s *scenario) waitAllPodsOn(replicas int, mode string, timeout time.Duration) {
	s.t.Helper()
	err := framework.WaitSettled(s.t.Context(), s.env.client, s.key, replicas, mode, timeout)
	if err != nil {
		s.t.Fatal(err)
	}
}

// steadyLoad is the load of every scenario but the starving one: loadRate requests per
// second, whatever the answers' latency.
func steadyLoad() framework.LoadOptions {
	return framework.LoadOptions{Rate: loadRate, Concurrency: 32}
}

// startLoad sends traffic through the instance's Service until the scenario ends.
func (s *scenario) startLoad(opts framework.LoadOptions) *framework.Load {
	s.t.Helper()
	addr, err := s.env.cluster.WaitServiceAddr(s.t.Context(), s.ns, s.key.Name, framework.ServerPort)
	if err != nil {
		s.t.Fatal(err)
	}
	opts.BaseURL = "http://" + addr
	load, err := framework.StartLoad(s.t.Context(), opts)
	if err != nil {
		s.t.Fatal(err)
	}
	s.load = load
	return load
}

// loadRate is the steady load of every scenario, in requests per second: enough for
// the one canary pod of the first step (a quarter of four pods) to make far more than
// minAcquires connection acquires per analysis interval, little enough for two cores.
const loadRate = 40

// kubectlPatch runs `kubectl patch interviewapi` with a merge patch, as a user would.
func (s *scenario) kubectlPatch(patch string) time.Time {
	s.t.Helper()
	at := time.Now()
	args := []string{"patch", "interviewapi", s.key.Name, "-n", s.ns, "--type", "merge", "-p", patch}
	if _, err := s.env.kubectl.Run(s.t.Context(), args...); err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("%s", framework.CommandLine("kubectl", args...))
	return at
}

// requireNoFailures fails the test when the load failed between two snapshots,
// listing the failures.
func (s *scenario) requireNoFailures(during string, from framework.Counts, since time.Time) framework.Counts {
	s.t.Helper()
	got := s.load.Counts().Sub(from)
	if got.Failed > 0 {
		var lines []string
		for _, f := range s.load.FailuresSince(since) {
			lines = append(lines, f.String())
			if len(lines) == 20 {
				break
			}
		}
		s.t.Errorf("%s: %s; first failures:\n%s", during, got, strings.Join(lines, "\n"))
	}
	if got.Requests == 0 {
		s.t.Errorf("%s: no request was answered or failed: the load did not run", during)
	}
	return got
}

// get reads the instance.
func (s *scenario) get() *iapiv1alpha1.InterviewAPI {
	s.t.Helper()
	in := &iapiv1alpha1.InterviewAPI{}
	if err := s.env.client.Get(s.t.Context(), s.key, in); err != nil {
		s.t.Fatal(err)
	}
	return in
}
