// Package chart tests the Helm charts, the dashboards and the alert rules: lint, render,
// schema, server-side dry run on a real API server, Pod Security, and PromQL checked
// against the metrics the server and the operator really export.
package chart

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/interviewapi/operator/test/envtest"
)

// kubeVersion is what `helm template` renders for: the version of the API server that
// `make tools` builds (a helm built from source would otherwise assume v1.20).
const kubeVersion = "v1.37.2"

const (
	operatorChart = "charts/interviewapi-operator"
	instanceChart = "charts/interviewapi"
)

// repoPath is a repository path made absolute.
func repoPath(rel string) string { return filepath.Join(envtest.RepoRoot(), filepath.FromSlash(rel)) }

func helmBinary(t *testing.T) string {
	t.Helper()
	bin := repoPath("bin/helm")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s not found: run `make tools` (it builds helm from the Go module proxy)", bin)
	}
	return bin
}

// helm runs bin/helm from the repository root, with no cluster, and returns stdout,
// stderr and its error.
func helm(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	return helmWithKubeconfig(t, filepath.Join(t.TempDir(), "no-cluster"), args...)
}

// helmWithKubeconfig runs bin/helm against the cluster of a kubeconfig.
func helmWithKubeconfig(t *testing.T, kubeconfig string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, helmBinary(t), args...)
	cmd.Dir = envtest.RepoRoot()
	// A private helm home: no user repositories, plugins or caches leak into the test.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home, "KUBECONFIG="+kubeconfig)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// renderCase is one way of rendering a chart.
type renderCase struct {
	name      string
	chart     string
	namespace string
	values    []string // values files, relative to the repository
	// namespaces the rendered objects live in, besides the release's.
	extraNamespaces []string
}

func renderCases() []renderCase {
	return []renderCase{
		{name: "operator defaults", chart: operatorChart, namespace: "interviewapi-system"},
		{name: "operator every option on", chart: operatorChart, namespace: "interviewapi-system",
			values: []string{"test/chart/testdata/all-on.yaml"}, extraNamespaces: []string{"team-a", "team-b", "monitoring"}},
		{name: "instance defaults", chart: instanceChart, namespace: "team-a"},
		{name: "instance every field", chart: instanceChart, namespace: "team-a",
			values: []string{"test/chart/testdata/instance-full.yaml"}},
	}
}

func (c renderCase) valuesArgs() []string {
	var args []string
	for _, v := range c.values {
		args = append(args, "-f", v)
	}
	return args
}

// render runs `helm template` and returns the manifests.
func (c renderCase) render(t *testing.T) string {
	t.Helper()
	args := append([]string{"template", "release", c.chart, "--namespace", c.namespace, "--kube-version", kubeVersion}, c.valuesArgs()...)
	out, stderr, err := helm(t, args...)
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return out
}

func TestHelmLintStrict(t *testing.T) {
	for _, c := range renderCases() {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"lint", "--strict", c.chart, "--namespace", c.namespace, "--kube-version", kubeVersion}, c.valuesArgs()...)
			out, stderr, err := helm(t, args...)
			if err != nil {
				t.Fatalf("helm %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr)
			}
			if !strings.Contains(out, "1 chart(s) linted, 0 chart(s) failed") {
				t.Errorf("helm lint output does not report success:\n%s", out)
			}
		})
	}
}

func TestHelmTemplateRenders(t *testing.T) {
	for _, c := range renderCases() {
		t.Run(c.name, func(t *testing.T) {
			objs := decodeManifests(t, c.render(t))
			if len(objs) == 0 {
				t.Fatal("rendered no objects")
			}
			for _, o := range objs {
				if o.GetName() == "" || o.GetKind() == "" || o.GetAPIVersion() == "" {
					t.Errorf("rendered object without apiVersion, kind or name: %v", o.Object)
				}
			}
		})
	}
}

// TestValuesSchemaRejectsMistakes: a typo must fail the install, not be ignored.
func TestValuesSchemaRejectsMistakes(t *testing.T) {
	cases := []struct {
		chart, values, want string
	}{
		{operatorChart, "test/chart/testdata/typo-key.yaml", "additional properties 'enable' not allowed"},
		{operatorChart, "test/chart/testdata/wrong-type.yaml", "at '/replicas'"},
		{operatorChart, "test/chart/testdata/typo-nested-kubernetes.yaml", "additional properties 'efect' not allowed"},
		{instanceChart, "test/chart/testdata/instance-typo.yaml", "additional properties 'maxOverflw' not allowed"},
		{instanceChart, "test/chart/testdata/instance-out-of-range.yaml", "at '/spec/database/pool/size'"},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.values), func(t *testing.T) {
			for _, verb := range []string{"template", "lint"} {
				args := []string{verb, c.chart, "-f", c.values, "--kube-version", kubeVersion}
				if verb == "template" {
					args = append([]string{verb, "release"}, args[1:]...)
				}
				out, stderr, err := helm(t, args...)
				if err == nil {
					t.Errorf("helm %s accepted %s", verb, c.values)
					continue
				}
				if !strings.Contains(out+stderr, c.want) {
					t.Errorf("helm %s rejected %s without naming the mistake (want %q):\n%s%s", verb, c.values, c.want, out, stderr)
				}
			}
		})
	}
}

func TestChartsShareAppVersion(t *testing.T) {
	type chartMeta struct{ AppVersion, Version string }
	read := func(chart string) chartMeta {
		data, err := os.ReadFile(repoPath(chart + "/Chart.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		var m chartMeta
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "appVersion:"); ok {
				m.AppVersion = strings.Trim(strings.TrimSpace(v), `"`)
			}
			if v, ok := strings.CutPrefix(line, "version:"); ok {
				m.Version = strings.TrimSpace(v)
			}
		}
		return m
	}
	op, inst := read(operatorChart), read(instanceChart)
	if op.AppVersion == "" || op.AppVersion != inst.AppVersion {
		t.Errorf("appVersion: operator chart %q, instance chart %q: release them together", op.AppVersion, inst.AppVersion)
	}
	values, err := os.ReadFile(repoPath(instanceChart + "/values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("interviewapi-server:%s\n", inst.AppVersion); !strings.Contains(string(values), want) {
		t.Errorf("the instance chart's default image is not interviewapi-server:%s (its appVersion)", inst.AppVersion)
	}
}

// TestCRDSwitch: the CRD is rendered once, with the keep policy, by default (also with
// --include-crds, so a stray crds/ folder could not install it twice), and not at all
// with crds.install=false.
func TestCRDSwitch(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		wantCRDs int
		wantKeep bool
	}{
		{"default", nil, 1, true},
		{"with --include-crds", []string{"--include-crds"}, 1, true},
		{"keep off", []string{"--set", "crds.keep=false"}, 1, false},
		{"install off", []string{"--set", "crds.install=false", "--include-crds"}, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"template", "release", operatorChart, "--kube-version", kubeVersion}, c.args...)
			out, stderr, err := helm(t, args...)
			if err != nil {
				t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, stderr)
			}
			crds := byKind(decodeManifests(t, out), "CustomResourceDefinition")
			if len(crds) != c.wantCRDs {
				t.Fatalf("%d CRDs rendered, want %d", len(crds), c.wantCRDs)
			}
			for _, crd := range crds {
				if crd.GetName() != "interviewapis.apps.interviewapi.io" {
					t.Errorf("unexpected CRD %s", crd.GetName())
				}
				if keep := crd.GetAnnotations()["helm.sh/resource-policy"] == "keep"; keep != c.wantKeep {
					t.Errorf("helm.sh/resource-policy keep = %v, want %v", keep, c.wantKeep)
				}
			}
		})
	}
}

// TestRBACFollowsWatchNamespaces: the generated ClusterRole is bound cluster-wide by
// default, and only in the watched namespaces when watchNamespaces is set; the operator
// is started with one --namespace per watched namespace. The metrics endpoint's
// TokenReview/SubjectAccessReview role is cluster-scoped and bound cluster-wide in both.
func TestRBACFollowsWatchNamespaces(t *testing.T) {
	cases := []struct {
		name                string
		set                 []string
		wantClusterBindings int
		wantRoleBindingNS   []string
		wantArgs            []string
	}{
		{"all namespaces", nil, 2, []string{"ops"}, nil},
		{"two namespaces", []string{"watchNamespaces={team-a,team-b}"}, 1, []string{"ops", "team-a", "team-b"}, []string{"--namespace=team-a", "--namespace=team-b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"template", "release", operatorChart, "--namespace", "ops", "--kube-version", kubeVersion}
			for _, s := range c.set {
				args = append(args, "--set", s)
			}
			out, stderr, err := helm(t, args...)
			if err != nil {
				t.Fatalf("helm: %v\n%s", err, stderr)
			}
			objs := decodeManifests(t, out)
			var clusterBindings []string
			for _, b := range byKind(objs, "ClusterRoleBinding") {
				clusterBindings = append(clusterBindings, b.GetName())
			}
			if len(clusterBindings) != c.wantClusterBindings || !slices.Contains(clusterBindings, "release-interviewapi-operator-metrics-auth") {
				t.Errorf("ClusterRoleBindings %v, want %d of them, the metrics-auth one among them", clusterBindings, c.wantClusterBindings)
			}
			var bindingNS []string
			for _, rb := range byKind(objs, "RoleBinding") {
				bindingNS = append(bindingNS, rb.GetNamespace())
			}
			slices.Sort(bindingNS)
			if !slices.Equal(bindingNS, c.wantRoleBindingNS) {
				t.Errorf("RoleBindings in %v, want %v (leader election in the release namespace, the manager role in each watched one)", bindingNS, c.wantRoleBindingNS)
			}
			deps := byKind(objs, "Deployment")
			if len(deps) != 1 {
				t.Fatalf("%d Deployments", len(deps))
			}
			containers, _, _ := unstructured.NestedSlice(deps[0].Object, "spec", "template", "spec", "containers")
			args0, _, _ := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
			var nsArgs []string
			for _, a := range args0 {
				if strings.HasPrefix(a, "--namespace=") {
					nsArgs = append(nsArgs, a)
				}
			}
			if !slices.Equal(nsArgs, c.wantArgs) {
				t.Errorf("operator --namespace args %v, want %v", nsArgs, c.wantArgs)
			}
			for _, cr := range byKind(objs, "ClusterRole") {
				rules, _, _ := unstructured.NestedSlice(cr.Object, "rules")
				for _, r := range rules {
					res, _, _ := unstructured.NestedStringSlice(r.(map[string]any), "resources")
					verbs, _, _ := unstructured.NestedStringSlice(r.(map[string]any), "verbs")
					// A get by name of a notification receiver's Secret, never list or watch.
					if slices.Contains(res, "secrets") && !slices.Equal(verbs, []string{"get"}) {
						t.Errorf("ClusterRole %s grants %v on secrets, want only get", cr.GetName(), verbs)
					}
				}
			}
		})
	}
}
