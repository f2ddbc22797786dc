package envtest

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// The CRD installs and the API server fills in the schema defaults.
func TestCRDServedWithDefaults(t *testing.T) {
	e := Start(t)
	obj := &iapiv1alpha1.InterviewAPI{
		ObjectMeta: metav1.ObjectMeta{Name: "smoke", Namespace: "default"},
		Spec: iapiv1alpha1.InterviewAPISpec{
			Image:    "registry.example/interviewapi-server:v0.1.0",
			Database: iapiv1alpha1.DatabaseSpec{URLSecretRef: iapiv1alpha1.SecretKeyRef{Name: "db", Key: "url"}},
		},
	}
	if err := e.Client.Create(context.Background(), obj); err != nil {
		t.Fatalf("create: %v", err)
	}
	if got := obj.Spec.ReplicasOrDefault(); got != iapiv1alpha1.DefaultReplicas {
		t.Errorf("replicas = %d, want default %d", got, iapiv1alpha1.DefaultReplicas)
	}
	if obj.Spec.Database.Pool.Size != iapiv1alpha1.DefaultPoolSize || obj.Spec.Database.Pool.MaxOverflow == nil {
		t.Errorf("pool defaults not filled: %+v", obj.Spec.Database.Pool)
	}
	if n := len(obj.Spec.Rollout.Steps); n != 3 {
		t.Errorf("rollout steps = %d, want the 3 default steps", n)
	}
}
