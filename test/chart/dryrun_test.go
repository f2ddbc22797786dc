package chart

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/interviewapi/operator/test/envtest"
)

// monitoringCRDs are the Prometheus Operator CRDs the chart renders objects of.
var monitoringCRDs = []string{
	"monitoring.coreos.com_servicemonitors.yaml",
	"monitoring.coreos.com_podmonitors.yaml",
	"monitoring.coreos.com_prometheusrules.yaml",
}

const monitoringPackage = "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"

// installMonitoringCRDs generates the ServiceMonitor, PodMonitor and PrometheusRule CRDs
// with controller-gen from the Go types of the prometheus-operator version in go.mod
// (which is how that project generates its published CRDs) and installs them, so the
// API server validates the chart's monitoring objects against their real schemas.
func installMonitoringCRDs(t *testing.T, cfg *rest.Config) {
	t.Helper()
	gen := repoPath("bin/controller-gen")
	if _, err := os.Stat(gen); err != nil {
		t.Fatalf("%s not found: run `make tools`", gen)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, gen, "crd:allowDangerousTypes=true", "paths="+monitoringPackage, "output:crd:artifacts:config="+dir)
	cmd.Dir = envtest.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generate the monitoring.coreos.com CRDs: %v\n%s", err, out)
	}
	var paths []string
	for _, name := range monitoringCRDs {
		paths = append(paths, filepath.Join(dir, name))
	}
	if _, err := crenvtest.InstallCRDs(cfg, crenvtest.CRDInstallOptions{Paths: paths, ErrorIfPathMissing: true}); err != nil {
		t.Fatalf("install the monitoring CRDs: %v", err)
	}
}

// TestRenderedManifestsDryRun applies every object each chart renders to a real
// kube-apiserver (with the InterviewAPI CRD and the monitoring CRDs installed) as a
// server-side apply with dryRun=All and strict field validation: zero errors allowed.
func TestRenderedManifestsDryRun(t *testing.T) {
	env := envtest.Start(t)
	installMonitoringCRDs(t, env.Config)
	c, err := client.New(env.Config, client.Options{Scheme: env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	c = client.WithFieldValidation(c, metav1.FieldValidationStrict)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("config/prometheus", func(t *testing.T) {
		const ns = "interviewapi-system"
		ensureNamespace(ctx, t, c, ns)
		for _, o := range kustomizeMonitoringObjects(t) {
			o.SetNamespace(ns)
			err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(o),
				client.DryRunAll, client.ForceOwnership, client.FieldOwner("chart-test"))
			if err != nil {
				t.Errorf("server-side dry run of %s %s: %v", o.GetKind(), o.GetName(), err)
			}
		}
	})
	for _, rc := range renderCases() {
		t.Run(rc.name, func(t *testing.T) {
			objs := decodeManifests(t, rc.render(t))
			for _, ns := range append([]string{rc.namespace}, rc.extraNamespaces...) {
				ensureNamespace(ctx, t, c, ns)
			}
			// Pods are admitted only when their ServiceAccount exists, which a dry
			// run does not create: create the ServiceAccounts for real first.
			for _, sa := range byKind(objs, "ServiceAccount") {
				createIfAbsent(ctx, t, c, sa.DeepCopy())
			}
			for _, o := range objs {
				err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()),
					client.DryRunAll, client.ForceOwnership, client.FieldOwner("chart-test"))
				if err != nil {
					t.Errorf("server-side dry run of %s %s/%s: %v", o.GetKind(), o.GetNamespace(), o.GetName(), err)
				}
			}
		})
	}
}

func ensureNamespace(ctx context.Context, t *testing.T, c client.Client, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.Create(ctx, ns); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

func createIfAbsent(ctx context.Context, t *testing.T, c client.Client, obj *unstructured.Unstructured) {
	t.Helper()
	if err := c.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create %s %s/%s: %v", obj.GetKind(), obj.GetNamespace(), obj.GetName(), fmt.Errorf("%w", err))
	}
}
