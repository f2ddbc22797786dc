package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	crcache "sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/controllers"
	"github.com/interviewapi/operator/test/envtest"
)

// testCache checks what the operator's cache holds: of Deployments only those labelled
// as managed by it, and of every object only the managedFields entry of its own
// applies, the one the no-op check of a pass reads.
func testCache(t *testing.T, e *envtest.Env, op *operator) {
	ctx := context.Background()
	ns := createNamespace(t, e, "cache")

	// An unlabelled Deployment, then a labelled one: the cache's watch delivers them in
	// order, so once the second is cached the first would be too if it passed the filter.
	for _, d := range []*appsv1.Deployment{
		plainDeployment(ns, "someone-elses", nil),
		plainDeployment(ns, "marker", map[string]string{iapiv1alpha1.LabelManaged: iapiv1alpha1.ManagerName}),
	} {
		if err := e.Client.Create(ctx, d); err != nil {
			t.Fatalf("create Deployment %s: %v", d.Name, err)
		}
	}
	eventually(t, "the labelled Deployment reaches the cache", func() error {
		return op.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "marker"}, &appsv1.Deployment{})
	})
	err := op.client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "someone-elses"}, &appsv1.Deployment{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("the unlabelled Deployment in the operator's cache: want NotFound, got %v", err)
	}

	// Pods are read from the API server only; the cache refuses to start an informer
	// that would hold every pod of the cluster.
	if err := op.client.List(ctx, &corev1.PodList{}, client.InNamespace(ns)); !errors.As(err, new(*crcache.ErrResourceNotCached)) {
		t.Errorf("listing pods through the operator's cached client: want ErrResourceNotCached, got %v", err)
	}

	in := sampleInstance(t)
	in.Namespace = ns
	if err := e.Client.Create(ctx, in); err != nil {
		t.Fatalf("create the instance: %v", err)
	}
	d := waitForDeployment(t, e, ns, in.StableName(), func(*appsv1.Deployment) error { return nil })
	// A second writer of the Deployment (the Deployment controller's status update,
	// played by the test) adds a managedFields entry of its own.
	markDeploymentReady(t, e, d)
	live := &appsv1.Deployment{}
	if err := e.Client.Get(ctx, client.ObjectKeyFromObject(d), live); err != nil {
		t.Fatal(err)
	}
	if len(live.ManagedFields) < 2 {
		t.Fatalf("the API server's Deployment has managedFields %v, want the operator's and the status writer's", managers(live.ManagedFields))
	}
	cached := &appsv1.Deployment{}
	eventually(t, "the ready Deployment reaches the cache", func() error {
		if err := op.client.Get(ctx, client.ObjectKeyFromObject(d), cached); err != nil {
			return err
		}
		if cached.ResourceVersion != live.ResourceVersion {
			return fmt.Errorf("cached resourceVersion %s, API server %s", cached.ResourceVersion, live.ResourceVersion)
		}
		return nil
	})
	want := []string{controllers.FieldOwner + "/Apply"}
	if got := managers(cached.ManagedFields); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("cached Deployment's managedFields %v, want only %v (the API server has %v)", got, want, managers(live.ManagedFields))
	}

	// The instance's managedFields are written by the test's client and the operator's
	// status updates; the operator reads none of them.
	waitForStatus(t, e, in, func(s iapiv1alpha1.InterviewAPIStatus) error {
		if s.Phase != iapiv1alpha1.PhaseHealthy {
			return fmt.Errorf("phase %q, want Healthy", s.Phase)
		}
		return nil
	})
	var cachedInstance iapiv1alpha1.InterviewAPI
	if err := op.client.Get(ctx, client.ObjectKeyFromObject(in), &cachedInstance); err != nil {
		t.Fatal(err)
	}
	if len(cachedInstance.ManagedFields) != 0 {
		t.Errorf("cached instance's managedFields %v, want none", managers(cachedInstance.ManagedFields))
	}
}

func plainDeployment(ns, name string, labels map[string]string) *appsv1.Deployment {
	sel := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: sel},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.com/c:1"}}},
			},
		},
	}
}

// managers names managedFields entries as manager/operation, with the subresource.
func managers(fields []metav1.ManagedFieldsEntry) []string {
	out := make([]string, 0, len(fields))
	for _, f := range fields {
		s := f.Manager + "/" + string(f.Operation)
		if f.Subresource != "" {
			s += "/" + f.Subresource
		}
		out = append(out, s)
	}
	return out
}
