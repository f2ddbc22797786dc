package chart

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/interviewapi/operator/test/envtest"
)

const crdName = "interviewapis.apps.interviewapi.io"

// TestHelmInstallAndUninstall installs the operator chart with helm into a real API
// server, checks what it created and what NOTES.txt tells the user, then uninstalls it:
// the CRD must stay (helm.sh/resource-policy: keep) and everything else must go. No
// pods run here (there is no kubelet); running the operator and `helm test` is the
// local cluster's end-to-end test.
func TestHelmInstallAndUninstall(t *testing.T) {
	env := envtest.Start(t)
	scheme := env.Scheme
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	c, err := client.New(env.Config, client.Options{Scheme: scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// envtest installed the CRD itself; the release must own it.
	deleteCRD(ctx, t, c)

	kubeconfig := writeKubeconfig(t, env)
	const ns, release = "interviewapi-system", "iapi"
	out, stderr, err := helmWithKubeconfig(t, kubeconfig, "install", release, operatorChart, "--namespace", ns, "--create-namespace")
	if err != nil {
		t.Fatalf("helm install: %v\n%s%s", err, out, stderr)
	}
	for _, want := range []string{"kubectl get iapi -w", "kubectl interviewapi status interview --watch", "helm test " + release} {
		if !strings.Contains(out, want) {
			t.Errorf("NOTES do not say %q:\n%s", want, out)
		}
	}

	var crd apiextensionsv1.CustomResourceDefinition
	if err := c.Get(ctx, client.ObjectKey{Name: crdName}, &crd); err != nil {
		t.Fatalf("the release did not install the CRD: %v", err)
	}
	var dep appsv1.Deployment
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: release + "-interviewapi-operator"}, &dep); err != nil {
		t.Fatalf("operator Deployment: %v", err)
	}
	var sa corev1.ServiceAccount
	if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: release + "-interviewapi-operator"}, &sa); err != nil {
		t.Fatalf("ServiceAccount: %v", err)
	}
	var binding rbacv1.ClusterRoleBinding
	if err := c.Get(ctx, client.ObjectKey{Name: release + "-interviewapi-operator-manager"}, &binding); err != nil {
		t.Fatalf("ClusterRoleBinding: %v", err)
	}

	if out, stderr, err := helmWithKubeconfig(t, kubeconfig, "uninstall", release, "--namespace", ns, "--wait"); err != nil {
		t.Fatalf("helm uninstall: %v\n%s%s", err, out, stderr)
	}
	if err := c.Get(ctx, client.ObjectKey{Name: crdName}, &crd); err != nil {
		t.Errorf("helm uninstall removed the CRD (and with it every InterviewAPI): %v", err)
	}
	for _, obj := range []client.Object{&appsv1.Deployment{}, &corev1.ServiceAccount{}, &corev1.Service{}} {
		name := release + "-interviewapi-operator"
		if _, isSvc := obj.(*corev1.Service); isSvc {
			name += "-metrics"
		}
		if err := c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, obj); !apierrors.IsNotFound(err) {
			t.Errorf("%T %s still there after helm uninstall (err %v)", obj, name, err)
		}
	}
	if err := c.Get(ctx, client.ObjectKey{Name: release + "-interviewapi-operator-manager"}, &rbacv1.ClusterRole{}); !apierrors.IsNotFound(err) {
		t.Errorf("manager ClusterRole still there after helm uninstall (err %v)", err)
	}
}

func deleteCRD(ctx context.Context, t *testing.T, c client.Client) {
	t.Helper()
	crd := &apiextensionsv1.CustomResourceDefinition{}
	crd.Name = crdName
	if err := c.Delete(ctx, crd); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := c.Get(ctx, client.ObjectKey{Name: crdName}, crd)
		if apierrors.IsNotFound(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the CRD envtest installed was not deleted within 30s (err %v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
