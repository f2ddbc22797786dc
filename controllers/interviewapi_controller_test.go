package controllers_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/envtest"
)

// TestOperator runs the operator, with the RBAC of config/default, against one real
// API server; each subtest works in a namespace of its own.
func TestOperator(t *testing.T) {
	t.Parallel()
	e := envtest.Start(t)
	kubeconfig := kubeconfigFile(t, e.Config)
	// The operator's manifests install on a real API server; their RBAC is what the
	// in-process operator below runs with.
	kubectl(t, kubeconfig, "apply", "-k", "config/default")
	op := startOperator(t, e)

	t.Run("least privilege", func(t *testing.T) { testLeastPrivilege(t, e) })
	t.Run("sample", func(t *testing.T) { testSample(t, e, op, kubeconfig) })
	t.Run("spec changes", func(t *testing.T) { testSpecChanges(t, e, op) })
	t.Run("drift is repaired, other writers are left alone", func(t *testing.T) { testDrift(t, e) })
	t.Run("no canary without a rollout", func(t *testing.T) { testCanarySeam(t, e) })
	t.Run("a foreign object is not taken over", func(t *testing.T) { testForeignChild(t, e) })
	t.Run("kubectl apply -f config/samples", func(t *testing.T) { testApplySamples(t, e, kubeconfig) })
	t.Run("an instance being deleted is left to the garbage collector", func(t *testing.T) { testDeleting(t, e, op) })
	t.Run("the cache holds only the operator's objects, trimmed", func(t *testing.T) { testCache(t, e, op) })
}

// testLeastPrivilege checks the operator's identity: it can do its job (the subtests
// below run as it) but cannot list or watch Secrets (it may get one by name: the
// Secret a notification receiver's urlSecretRef names), and it can hold its
// leader-election Lease.
func testLeastPrivilege(t *testing.T, e *envtest.Env) {
	ctx := context.Background()
	c := impersonatedClient(t, e)
	for _, ns := range []string{"default", "interviewapi-system"} {
		err := c.List(ctx, &corev1.SecretList{}, client.InNamespace(ns))
		if !apierrors.IsForbidden(err) {
			t.Errorf("listing Secrets in %s: want Forbidden, got %v", ns, err)
		}
	}
	cfg := rest.CopyConfig(e.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: operatorServiceAccount}
	wc, err := client.NewWithWatch(cfg, client.Options{Scheme: e.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	if w, err := wc.Watch(ctx, &corev1.SecretList{}, client.InNamespace("default")); !apierrors.IsForbidden(err) {
		if w != nil {
			w.Stop()
		}
		t.Errorf("watching Secrets: want Forbidden, got %v", err)
	}
	// A get by name passes RBAC: the answer is that there is no such Secret.
	err = c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "interview-db"}, &corev1.Secret{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("getting a Secret by name: want NotFound, got %v", err)
	}
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "interviewapi-system", Name: "probe"},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("test")}}
	if err := c.Create(ctx, lease); err != nil {
		t.Errorf("creating a leader-election Lease: %v", err)
	}
	if err := c.Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "probe"}}); !apierrors.IsForbidden(err) {
		t.Errorf("a Lease outside the operator's namespace: want Forbidden, got %v", err)
	}
}

// testSample follows config/samples' InterviewAPI from creation to a healthy steady
// state that writes nothing.
func testSample(t *testing.T, e *envtest.Env, op *operator, kubeconfig string) {
	ctx := context.Background()
	ns := createNamespace(t, e, "sample")
	in := sampleInstance(t)
	in.Namespace = ns
	if err := e.Client.Create(ctx, in); err != nil {
		t.Fatalf("create the sample: %v", err)
	}

	d := waitForDeployment(t, e, ns, "interview-stable", func(d *appsv1.Deployment) error { return nil })
	t.Run("stable Deployment", func(t *testing.T) { checkSampleDeployment(t, in, d) })
	t.Run("Service and PodDisruptionBudget", func(t *testing.T) { checkServiceAndPDB(t, e, in) })

	// No controller-manager runs, so no pod starts: the instance waits for its pods.
	got := waitForStatus(t, e, in, func(s iapiv1alpha1.InterviewAPIStatus) error {
		if s.Phase != iapiv1alpha1.PhaseProgressing {
			return fmt.Errorf("phase %q, want Progressing while no pod is ready", s.Phase)
		}
		return nil
	})
	checkCondition(t, got, iapiv1alpha1.ConditionAvailable, metav1.ConditionFalse, iapiv1alpha1.ReasonReplicasNotReady)
	checkCondition(t, got, iapiv1alpha1.ConditionProgressing, metav1.ConditionTrue, iapiv1alpha1.ReasonRollingUpdate)
	checkCondition(t, got, iapiv1alpha1.ConditionDegraded, metav1.ConditionFalse, iapiv1alpha1.ReasonReconciled)
	checkCondition(t, got, iapiv1alpha1.ConditionRolledBack, metav1.ConditionFalse, iapiv1alpha1.ReasonNoRollout)

	// The Deployment controller's part, played by the test: every pod up to date and ready.
	markDeploymentReady(t, e, d)
	got = waitForStatus(t, e, in, func(s iapiv1alpha1.InterviewAPIStatus) error {
		if s.Phase != iapiv1alpha1.PhaseHealthy || s.ReadyReplicas != 2 {
			return fmt.Errorf("phase %q with %d ready, want Healthy with 2", s.Phase, s.ReadyReplicas)
		}
		return nil
	})
	t.Run("status", func(t *testing.T) { checkHealthyStatus(t, in, got) })
	t.Run("kubectl get iapi", func(t *testing.T) { checkPrinterColumns(t, kubeconfig, ns) })

	t.Run("a pass over an unchanged instance writes nothing", func(t *testing.T) {
		op.writes.waitQuiet(t, 500*time.Millisecond)
		before := op.writes.count()
		key := client.ObjectKeyFromObject(in)
		versions := resourceVersions(t, e, in)
		for range 3 {
			if _, err := op.reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: key}); err != nil {
				t.Fatalf("reconcile: %v", err)
			}
		}
		// A watch-triggered pass too: an annotation the operator does not use.
		patchInstance(t, e, in, `{"metadata":{"annotations":{"example.com/touched":"yes"}}}`)
		eventually(t, "the annotation reaches the operator's cache", func() error {
			var cached iapiv1alpha1.InterviewAPI
			if err := op.client.Get(ctx, key, &cached); err != nil {
				return err
			}
			if cached.Annotations["example.com/touched"] != "yes" {
				return fmt.Errorf("not yet")
			}
			return nil
		})
		if _, err := op.reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: key}); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
		op.writes.waitQuiet(t, 500*time.Millisecond)
		if writes := op.writes.since(before); len(writes) > 0 {
			t.Errorf("passes over an unchanged instance wrote %d times: %v", len(writes), writes)
		}
		after := resourceVersions(t, e, in)
		delete(after, "InterviewAPI")
		delete(versions, "InterviewAPI") // the test's own annotation changed it
		if !equality.Semantic.DeepEqual(versions, after) {
			t.Errorf("resource versions changed: %v → %v", versions, after)
		}
	})
}

func checkSampleDeployment(t *testing.T, in *iapiv1alpha1.InterviewAPI, d *appsv1.Deployment) {
	assertControlledBy(t, d, in)
	if got := ptr.Deref(d.Spec.Replicas, -1); got != 2 {
		t.Errorf("replicas %d, want 2", got)
	}
	pod := d.Spec.Template
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("containers: %+v", pod.Spec.Containers)
	}
	c := pod.Spec.Containers[0]
	if c.Name != "server" || c.Image != "ghcr.io/interviewapi/interviewapi-server:0.1.0" {
		t.Errorf("container %s image %s", c.Name, c.Image)
	}
	// Exactly the sample's settings, in the server's words (README.md, "Configuration (environment)").
	want := []corev1.EnvVar{
		{Name: "DATABASE_URL", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: "interview-db"}, Key: "url"}}},
		{Name: "ASYNC_DATABASE_ENABLED", Value: "false"},
		{Name: "ASYNC_DATABASE_POOL_SIZE", Value: "20"},
		{Name: "ASYNC_DATABASE_MAX_OVERFLOW", Value: "30"},
		{Name: "ASYNC_DATABASE_POOL_TIMEOUT", Value: "30"},
		{Name: "ASYNC_DATABASE_POOL_RECYCLE", Value: "3600"},
		{Name: "ASYNC_DATABASE_MONITORING_ENABLED", Value: "true"},
		{Name: "LISTEN_ADDR", Value: ":8000"},
	}
	if !equality.Semantic.DeepEqual(c.Env, want) {
		t.Errorf("env:\n got %+v\nwant %+v", c.Env, want)
	}
	if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/livez" ||
		c.LivenessProbe.HTTPGet.Port != intstr.FromString("http") {
		t.Errorf("liveness probe %+v", c.LivenessProbe)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/readyz" ||
		c.ReadinessProbe.HTTPGet.Port != intstr.FromString("http") {
		t.Errorf("readiness probe %+v", c.ReadinessProbe)
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8000 {
		t.Errorf("ports %+v", c.Ports)
	}
	psc, sc := pod.Spec.SecurityContext, c.SecurityContext
	if psc == nil || sc == nil || !ptr.Deref(psc.RunAsNonRoot, false) || ptr.Deref(psc.RunAsUser, 0) != 65532 ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault ||
		ptr.Deref(sc.AllowPrivilegeEscalation, true) || !ptr.Deref(sc.ReadOnlyRootFilesystem, false) ||
		sc.Capabilities == nil || !equality.Semantic.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("security context: pod %+v container %+v", psc, sc)
	}
	if c.Resources.Requests.Cpu().String() != "100m" || c.Resources.Limits.Memory().String() != "256Mi" {
		t.Errorf("resources %+v", c.Resources)
	}
	if pod.Annotations["prometheus.io/scrape"] != "true" || pod.Annotations[iapiv1alpha1.AnnotationConfigHash] == "" {
		t.Errorf("pod annotations %v", pod.Annotations)
	}
	rev := in.Spec.DesiredRevision().Revision
	if pod.Labels[iapiv1alpha1.LabelRevision] != rev || pod.Labels[iapiv1alpha1.LabelTrack] != "stable" {
		t.Errorf("pod labels %v, want track stable and revision %s", pod.Labels, rev)
	}
	ru := d.Spec.Strategy.RollingUpdate
	if ru == nil || ru.MaxSurge.String() != "1" || ru.MaxUnavailable.String() != "0" {
		t.Errorf("rolling update %+v, want maxSurge 1 / maxUnavailable 0 (the budget of 200 has room for a third pod)", ru)
	}
}

func checkServiceAndPDB(t *testing.T, e *envtest.Env, in *iapiv1alpha1.InterviewAPI) {
	ctx := context.Background()
	key := types.NamespacedName{Namespace: in.Namespace, Name: in.Name}
	var svc corev1.Service
	var pdb policyv1.PodDisruptionBudget
	eventually(t, "Service and PodDisruptionBudget", func() error {
		if err := e.Client.Get(ctx, key, &svc); err != nil {
			return err
		}
		return e.Client.Get(ctx, key, &pdb)
	})
	assertControlledBy(t, &svc, in)
	assertControlledBy(t, &pdb, in)
	selector := map[string]string{"app.kubernetes.io/name": "interviewapi-server", "app.kubernetes.io/instance": "interview"}
	if !equality.Semantic.DeepEqual(svc.Spec.Selector, selector) {
		t.Errorf("Service selector %v, want both tracks: %v", svc.Spec.Selector, selector)
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8000 || svc.Spec.Ports[0].TargetPort != intstr.FromString("http") {
		t.Errorf("Service ports %+v", svc.Spec.Ports)
	}
	if pdb.Spec.MaxUnavailable == nil || *pdb.Spec.MaxUnavailable != intstr.FromInt32(1) ||
		!equality.Semantic.DeepEqual(pdb.Spec.Selector.MatchLabels, selector) {
		t.Errorf("PodDisruptionBudget spec %+v", pdb.Spec)
	}
}

func checkHealthyStatus(t *testing.T, in *iapiv1alpha1.InterviewAPI, s iapiv1alpha1.InterviewAPIStatus) {
	rev := in.Spec.DesiredRevision()
	checks := []struct {
		what      string
		got, want any
	}{
		{"mode", s.Mode, "sync"},
		{"pool", s.Pool, "20+30/30s/1h"},
		{"replicas", s.Replicas, int32(2)},
		{"readyReplicas", s.ReadyReplicas, int32(2)},
		{"canaryWeight", s.CanaryWeight, int32(0)},
		{"selector", s.Selector, "app.kubernetes.io/instance=interview,app.kubernetes.io/name=interviewapi-server"},
		{"stable revision", ptr.Deref(s.Stable, iapiv1alpha1.RevisionStatus{}).Revision, rev.Revision},
		{"canary", s.Canary, (*iapiv1alpha1.RevisionStatus)(nil)},
		{"history length", len(s.History), 1},
	}
	for _, c := range checks {
		if !equality.Semantic.DeepEqual(c.got, c.want) {
			t.Errorf("status %s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if len(s.History) == 1 {
		h := s.History[0]
		if h.Outcome != iapiv1alpha1.OutcomeInitial || h.Revision != rev.Revision || h.Async || h.Time.IsZero() {
			t.Errorf("history entry %+v, want the Initial entry of revision %s", h, rev.Revision)
		}
	}
	checkCondition(t, s, iapiv1alpha1.ConditionAvailable, metav1.ConditionTrue, iapiv1alpha1.ReasonReplicasReady)
	checkCondition(t, s, iapiv1alpha1.ConditionProgressing, metav1.ConditionFalse, iapiv1alpha1.ReasonNoRollout)
	checkCondition(t, s, iapiv1alpha1.ConditionDegraded, metav1.ConditionFalse, iapiv1alpha1.ReasonReconciled)
}

// checkPrinterColumns reads the instance the way users do.
func checkPrinterColumns(t *testing.T, kubeconfig, ns string) {
	out := kubectl(t, kubeconfig, "get", "iapi", "-n", ns)
	t.Logf("kubectl get iapi:\n%s", out)
	wantColumns(t, out, []string{"NAME", "MODE", "PHASE", "WEIGHT", "READY", "AGE"}, []string{"interview", "sync", "Healthy", "0", "2"})
	wide := kubectl(t, kubeconfig, "get", "iapi", "-n", ns, "-o", "wide")
	t.Logf("kubectl get iapi -o wide:\n%s", wide)
	wantColumns(t, wide, []string{"NAME", "MODE", "PHASE", "WEIGHT", "READY", "POOL", "AGE"},
		[]string{"interview", "sync", "Healthy", "0", "2", "20+30/30s/1h"})
}

// wantColumns checks a kubectl table: its header and the leading cells of its one row.
func wantColumns(t *testing.T, table string, header, row []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a header and one row, got:\n%s", table)
	}
	if got := strings.Fields(lines[0]); !equality.Semantic.DeepEqual(got, header) {
		t.Errorf("header %v, want %v", got, header)
	}
	cells := strings.Fields(lines[1])
	if len(cells) != len(header) || !equality.Semantic.DeepEqual(cells[:len(row)], row) {
		t.Errorf("row %v, want it to start with %v", cells, row)
	}
}

// testSpecChanges edits the spec and watches the Deployment follow.
func testSpecChanges(t *testing.T, e *envtest.Env, op *operator) {
	ns := createNamespace(t, e, "changes")
	in := sampleInstance(t)
	in.Namespace = ns
	if err := e.Client.Create(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	first := waitForDeployment(t, e, ns, "interview-stable", func(*appsv1.Deployment) error { return nil })
	firstHash := first.Spec.Template.Annotations[iapiv1alpha1.AnnotationConfigHash]

	// Three pods of 53 connections (a pool of 20+30 and the server's 3 outside it) and
	// a canary pod beside them need 212: the budget leaves room for exactly that.
	patchInstance(t, e, in, `{"spec":{"replicas":3,"database":{"maxServerConnections":250}}}`)
	waitForDeployment(t, e, ns, "interview-stable", func(d *appsv1.Deployment) error {
		if got := ptr.Deref(d.Spec.Replicas, 0); got != 3 {
			return fmt.Errorf("replicas %d, want 3", got)
		}
		return nil
	})

	patchInstance(t, e, in, `{"spec":{"image":"ghcr.io/interviewapi/interviewapi-server:0.2.0"}}`)
	replaced := waitForDeployment(t, e, ns, "interview-stable", func(d *appsv1.Deployment) error {
		if got := d.Spec.Template.Spec.Containers[0].Image; got != "ghcr.io/interviewapi/interviewapi-server:0.2.0" {
			return fmt.Errorf("image %s", got)
		}
		return nil
	})
	// The new image is rolled out. (While the stable Deployment still replaced its
	// pods, its surge pod would leave no room in the connection budget of 250 for a
	// canary pod beside the 3 stable ones.)
	markDeploymentReady(t, e, replaced)

	// A new revision (mode and pool) starts a canary beside the unchanged stable
	// Deployment: the first step's 25 % of 3 replicas is 1 pod, with the image and
	// the new settings.
	patchInstance(t, e, in, `{"spec":{"database":{"async":{"enabled":true},"pool":{"timeout":"500ms","recycle":"0s"}}}}`)
	canary := waitForDeployment(t, e, ns, "interview-canary", func(d *appsv1.Deployment) error {
		env := envOf(d)
		want := map[string]string{"ASYNC_DATABASE_ENABLED": "true", "ASYNC_DATABASE_POOL_TIMEOUT": "0.5", "ASYNC_DATABASE_POOL_RECYCLE": "0"}
		for k, v := range want {
			if env[k] != v {
				return fmt.Errorf("%s=%q, want %q", k, env[k], v)
			}
		}
		return nil
	})
	if hash := canary.Spec.Template.Annotations[iapiv1alpha1.AnnotationConfigHash]; hash == firstHash {
		t.Errorf("the canary's config hash %s is the stable one's", hash)
	}
	if ptr.Deref(canary.Spec.Replicas, 0) != 1 || canary.Spec.Template.Spec.Containers[0].Image != "ghcr.io/interviewapi/interviewapi-server:0.2.0" {
		t.Errorf("canary: %d replicas, image %s; want 1 pod of the current image", ptr.Deref(canary.Spec.Replicas, 0), canary.Spec.Template.Spec.Containers[0].Image)
	}
	stable := waitForDeployment(t, e, ns, "interview-stable", func(*appsv1.Deployment) error { return nil })
	if env := envOf(stable); env["ASYNC_DATABASE_ENABLED"] != "false" || ptr.Deref(stable.Spec.Replicas, 0) != 3 {
		t.Errorf("stable: async %q with %d replicas; want the old settings on all 3 until the canary's pods are ready",
			env["ASYNC_DATABASE_ENABLED"], ptr.Deref(stable.Spec.Replicas, 0))
	}
	s := waitForStatus(t, e, in, func(s iapiv1alpha1.InterviewAPIStatus) error {
		if s.Mode != "sync→async" || s.Phase != iapiv1alpha1.PhaseProgressing || s.Canary == nil {
			return fmt.Errorf("mode %q phase %q canary %v", s.Mode, s.Phase, s.Canary)
		}
		return nil
	})
	if s.Canary.Revision != canary.Spec.Template.Labels[iapiv1alpha1.LabelRevision] || ptr.Deref(s.CurrentStep, -1) != 0 {
		t.Errorf("status canary %+v step %v, want the canary Deployment's revision at step 0", s.Canary, s.CurrentStep)
	}
	if len(s.History) != 1 || s.History[0].Outcome != iapiv1alpha1.OutcomeInitial {
		t.Errorf("history %+v: a rollout in progress is not in the history yet", s.History)
	}

	// Scale subresource: kubectl scale / an HPA on the InterviewAPI.
	scale := &autoscalingv1.Scale{}
	if err := e.Client.SubResource("scale").Get(context.Background(), in, scale); err != nil {
		t.Fatalf("get the scale subresource: %v", err)
	}
	if scale.Spec.Replicas != 3 || scale.Status.Selector != "app.kubernetes.io/instance=interview,app.kubernetes.io/name=interviewapi-server" {
		t.Errorf("scale %+v", scale)
	}
}

// testDrift changes what the operator owns and what it does not, behind its back.
func testDrift(t *testing.T, e *envtest.Env) {
	ctx := context.Background()
	ns := createNamespace(t, e, "drift")
	in := sampleInstance(t)
	in.Namespace = ns
	if err := e.Client.Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	d := waitForDeployment(t, e, ns, "interview-stable", func(*appsv1.Deployment) error { return nil })

	// Someone edits the pool size by hand and adds an annotation of their own.
	d.Spec.Template.Spec.Containers[0].Env[2].Value = "999"
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	d.Annotations["example.com/owner"] = "hiring"
	if err := e.Client.Update(ctx, d, client.FieldOwner("someone")); err != nil {
		t.Fatal(err)
	}
	waitForDeployment(t, e, ns, "interview-stable", func(d *appsv1.Deployment) error {
		if got := d.Spec.Template.Spec.Containers[0].Env[2]; got.Name != "ASYNC_DATABASE_POOL_SIZE" || got.Value != "20" {
			return fmt.Errorf("%s=%s, want the spec's 20 back", got.Name, got.Value)
		}
		if d.Annotations["example.com/owner"] != "hiring" {
			return fmt.Errorf("the other writer's annotation was removed: %v", d.Annotations)
		}
		return nil
	})
}

// testCanarySeam: without a rollout the instance runs no NAME-canary Deployment.
func testCanarySeam(t *testing.T, e *envtest.Env) {
	ctx := context.Background()
	ns := createNamespace(t, e, "seam")
	in := sampleInstance(t)
	in.Namespace = ns
	if err := e.Client.Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	stable := waitForDeployment(t, e, ns, "interview-stable", func(*appsv1.Deployment) error { return nil })
	// Once the stable track runs every pod, a canary Deployment has nothing to hand
	// over (a promotion's canary keeps its pods until then).
	markDeploymentReady(t, e, stable)
	canary := stable.DeepCopy()
	canary.ObjectMeta = metav1.ObjectMeta{Namespace: ns, Name: "interview-canary", Labels: stable.Labels,
		OwnerReferences: stable.OwnerReferences}
	canary.Spec.Selector.MatchLabels[iapiv1alpha1.LabelTrack] = "canary"
	canary.Spec.Template.Labels[iapiv1alpha1.LabelTrack] = "canary"
	canary.Status = appsv1.DeploymentStatus{}
	if err := e.Client.Create(ctx, canary); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the stray canary is removed", func() error {
		var d appsv1.Deployment
		err := e.Client.Get(ctx, client.ObjectKeyFromObject(canary), &d)
		if apierrors.IsNotFound(err) {
			return nil
		}
		if err == nil && d.DeletionTimestamp != nil {
			return nil // deleted; the garbage collector's finalizer is not run in envtest
		}
		return fmt.Errorf("still there (%v)", err)
	})
}

// testForeignChild: a Deployment with the stable Deployment's name that the instance
// does not control is reported, not taken over.
func testForeignChild(t *testing.T, e *envtest.Env) {
	ctx := context.Background()
	ns := createNamespace(t, e, "foreign")
	labels := map[string]string{"app": "legacy"}
	foreign := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "interview-stable"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "legacy", Image: "legacy:1"}}}},
		},
	}
	if err := e.Client.Create(ctx, foreign); err != nil {
		t.Fatal(err)
	}
	in := sampleInstance(t)
	in.Namespace = ns
	if err := e.Client.Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	s := waitForStatus(t, e, in, func(s iapiv1alpha1.InterviewAPIStatus) error {
		if s.Phase != iapiv1alpha1.PhaseDegraded {
			return fmt.Errorf("phase %q, want Degraded", s.Phase)
		}
		return nil
	})
	c := checkCondition(t, s, iapiv1alpha1.ConditionDegraded, metav1.ConditionTrue, iapiv1alpha1.ReasonChildNotOwned)
	if c != nil && !strings.Contains(c.Message, "Deployment interview-stable exists and is not controlled by this InterviewAPI") {
		t.Errorf("Degraded message %q", c.Message)
	}
	var d appsv1.Deployment
	if err := e.Client.Get(ctx, client.ObjectKeyFromObject(foreign), &d); err != nil {
		t.Fatal(err)
	}
	if len(d.OwnerReferences) != 0 || d.Spec.Template.Spec.Containers[0].Name != "legacy" {
		t.Errorf("the foreign Deployment was changed: owners %v, container %s", d.OwnerReferences, d.Spec.Template.Spec.Containers[0].Name)
	}
	eventually(t, "a Warning Event names the conflict", func() error {
		var events corev1.EventList
		if err := e.Client.List(ctx, &events, client.InNamespace(ns)); err != nil {
			return err
		}
		for _, ev := range events.Items {
			if ev.Reason == iapiv1alpha1.ReasonChildNotOwned && ev.Type == corev1.EventTypeWarning &&
				ev.InvolvedObject.Name == "interview" && strings.Contains(ev.Message, "not controlled") {
				return nil
			}
		}
		return fmt.Errorf("%d events, none about the conflict", len(events.Items))
	})
}

// testApplySamples applies config/samples/ as a user would and lets the operator run it.
func testApplySamples(t *testing.T, e *envtest.Env, kubeconfig string) {
	ns := createNamespace(t, e, "kubectl")
	out := kubectl(t, kubeconfig, "apply", "-n", ns, "-f", "config/samples/")
	for _, want := range []string{"secret/interview-db created", "interviewapi.apps.interviewapi.io/interview created"} {
		if !strings.Contains(out, want) {
			t.Errorf("kubectl apply said %q, want %q in it", out, want)
		}
	}
	waitForDeployment(t, e, ns, "interview-stable", func(*appsv1.Deployment) error { return nil })
	// The kustomization of the same folder renders the same two objects.
	rendered := kubectl(t, kubeconfig, "kustomize", "config/samples")
	if !strings.Contains(rendered, "kind: Secret") || !strings.Contains(rendered, "kind: InterviewAPI") {
		t.Errorf("kubectl kustomize config/samples:\n%s", rendered)
	}
}

// testDeleting: while a foreground deletion waits for the garbage collector to remove
// the children, the operator must not create them again.
func testDeleting(t *testing.T, e *envtest.Env, op *operator) {
	ctx := context.Background()
	ns := createNamespace(t, e, "deleting")
	in := sampleInstance(t)
	in.Namespace = ns
	if err := e.Client.Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	waitForDeployment(t, e, ns, "interview-stable", func(*appsv1.Deployment) error { return nil })
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: in.Name}}
	eventually(t, "the Service", func() error { return e.Client.Get(ctx, client.ObjectKeyFromObject(svc), svc) })

	// envtest runs no garbage collector: the instance stays, marked for deletion.
	if err := e.Client.Delete(ctx, in, client.PropagationPolicy(metav1.DeletePropagationForeground)); err != nil {
		t.Fatal(err)
	}
	key := client.ObjectKeyFromObject(in)
	eventually(t, "the operator sees the deletion", func() error {
		var cached iapiv1alpha1.InterviewAPI
		if err := op.client.Get(ctx, key, &cached); err != nil {
			return err
		}
		if cached.DeletionTimestamp.IsZero() {
			return fmt.Errorf("no deletion timestamp yet")
		}
		return nil
	})
	if err := e.Client.Delete(ctx, svc); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the Service is gone from the operator's cache", func() error {
		err := op.client.Get(ctx, client.ObjectKeyFromObject(svc), &corev1.Service{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still cached (%v)", err)
	})
	if _, err := op.reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: key}); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	if err := e.Client.Get(ctx, client.ObjectKeyFromObject(svc), &corev1.Service{}); !apierrors.IsNotFound(err) {
		t.Errorf("the Service of an instance being deleted was created again (get: %v)", err)
	}
}

// sampleInstance is config/samples' InterviewAPI.
func sampleInstance(t testing.TB) *iapiv1alpha1.InterviewAPI {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(envtest.RepoRoot(), "config", "samples", "apps_v1alpha1_interviewapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	in := &iapiv1alpha1.InterviewAPI{}
	if err := yaml.UnmarshalStrict(raw, in); err != nil {
		t.Fatalf("the sample is not a valid InterviewAPI: %v", err)
	}
	return in
}

func createNamespace(t testing.TB, e *envtest.Env, name string) string {
	t.Helper()
	if err := e.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
		t.Fatal(err)
	}
	return name
}

func waitForDeployment(t *testing.T, e *envtest.Env, ns, name string, check func(*appsv1.Deployment) error) *appsv1.Deployment {
	t.Helper()
	d := &appsv1.Deployment{}
	eventually(t, "Deployment "+name, func() error {
		if err := e.Client.Get(context.Background(), types.NamespacedName{Namespace: ns, Name: name}, d); err != nil {
			return err
		}
		return check(d)
	})
	return d
}

// waitForStatus waits for a status of the instance's current generation that passes check.
func waitForStatus(t *testing.T, e *envtest.Env, in *iapiv1alpha1.InterviewAPI, check func(iapiv1alpha1.InterviewAPIStatus) error) iapiv1alpha1.InterviewAPIStatus {
	t.Helper()
	var got iapiv1alpha1.InterviewAPI
	eventually(t, "status of "+in.Name, func() error {
		if err := e.Client.Get(context.Background(), client.ObjectKeyFromObject(in), &got); err != nil {
			return err
		}
		if got.Status.ObservedGeneration != got.Generation {
			return fmt.Errorf("observedGeneration %d of %d", got.Status.ObservedGeneration, got.Generation)
		}
		return check(got.Status)
	})
	return got.Status
}

// markDeploymentReady writes the status the Deployment controller would write once
// every pod runs the current template and is ready.
func markDeploymentReady(t *testing.T, e *envtest.Env, d *appsv1.Deployment) {
	t.Helper()
	n := ptr.Deref(d.Spec.Replicas, 1)
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: n, UpdatedReplicas: n,
		ReadyReplicas: n, AvailableReplicas: n}
	if err := e.Client.Status().Update(context.Background(), d); err != nil {
		t.Fatalf("write the Deployment's status: %v", err)
	}
}

// envOf is the server container's environment with literal values.
func envOf(d *appsv1.Deployment) map[string]string {
	env := map[string]string{}
	for _, v := range d.Spec.Template.Spec.Containers[0].Env {
		env[v.Name] = v.Value
	}
	return env
}

func patchInstance(t *testing.T, e *envtest.Env, in *iapiv1alpha1.InterviewAPI, patch string) {
	t.Helper()
	obj := &iapiv1alpha1.InterviewAPI{ObjectMeta: metav1.ObjectMeta{Namespace: in.Namespace, Name: in.Name}}
	if err := e.Client.Patch(context.Background(), obj, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatalf("patch %s: %v", patch, err)
	}
}

func checkCondition(t *testing.T, s iapiv1alpha1.InterviewAPIStatus, conditionType string, status metav1.ConditionStatus, reason string) *metav1.Condition {
	t.Helper()
	c := meta.FindStatusCondition(s.Conditions, conditionType)
	if c == nil {
		t.Errorf("no %s condition in %+v", conditionType, s.Conditions)
		return nil
	}
	if c.Status != status || c.Reason != reason || c.Message == "" || c.LastTransitionTime.IsZero() {
		t.Errorf("%s condition %s/%s (%q), want %s/%s with a message", conditionType, c.Status, c.Reason, c.Message, status, reason)
	}
	return c
}

func assertControlledBy(t *testing.T, obj metav1.Object, in *iapiv1alpha1.InterviewAPI) {
	t.Helper()
	ref := metav1.GetControllerOf(obj)
	if ref == nil || ref.Kind != "InterviewAPI" || ref.APIVersion != "apps.interviewapi.io/v1alpha1" ||
		ref.Name != in.Name || ref.UID != in.UID || !ptr.Deref(ref.BlockOwnerDeletion, false) {
		t.Errorf("%s: controller reference %+v, want InterviewAPI %s (%s)", obj.GetName(), ref, in.Name, in.UID)
	}
}

// resourceVersions of the instance and its children.
func resourceVersions(t *testing.T, e *envtest.Env, in *iapiv1alpha1.InterviewAPI) map[string]string {
	t.Helper()
	ctx := context.Background()
	objs := map[string]client.Object{
		"InterviewAPI":        &iapiv1alpha1.InterviewAPI{},
		"Deployment":          &appsv1.Deployment{},
		"Service":             &corev1.Service{},
		"PodDisruptionBudget": &policyv1.PodDisruptionBudget{},
	}
	names := map[string]string{"Deployment": in.StableName()}
	out := map[string]string{}
	for kind, obj := range objs {
		name := in.Name
		if n, ok := names[kind]; ok {
			name = n
		}
		if err := e.Client.Get(ctx, types.NamespacedName{Namespace: in.Namespace, Name: name}, obj); err != nil {
			t.Fatalf("get %s %s: %v", kind, name, err)
		}
		out[kind] = obj.GetResourceVersion()
	}
	return out
}
