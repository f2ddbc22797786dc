package controllers

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/opmetrics"
	"github.com/interviewapi/operator/test/envtest"
)

// TestFailedRenderRecordsNoDecision: when the decision of a pass cannot be turned into
// Deployments, the pass reports the failure on the status it found and records nothing
// of the decision. Writing the decided status there would record a decision whose
// control annotations were not consumed and whose Events were not sent, so a later
// pass could act on the annotation twice. The decision here is the instance's first
// revision (status.stable, an Initial history entry); the render fails on the stable
// Deployment's managed fields, which cannot be read.
func TestFailedRenderRecordsNoDecision(t *testing.T) {
	t.Parallel()
	e := envtest.Start(t)
	ctx := context.Background()
	if err := e.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "render-failure"}}); err != nil {
		t.Fatal(err)
	}
	in := &iapiv1alpha1.InterviewAPI{
		ObjectMeta: metav1.ObjectMeta{Name: "interview", Namespace: "render-failure",
			Annotations: map[string]string{iapiv1alpha1.AnnotationRetry: ""}},
		Spec: iapiv1alpha1.InterviewAPISpec{Image: "registry.example/interviewapi-server:v0.1.0",
			Database: iapiv1alpha1.DatabaseSpec{URLSecretRef: iapiv1alpha1.SecretKeyRef{Name: "db", Key: "url"}}},
	}
	if err := e.Client.Create(ctx, in); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	recorder := events.NewFakeRecorder(10)
	r := &InterviewAPIReconciler{Client: e.Client, Recorder: recorder, Metrics: opmetrics.New("test"), Clock: clocktesting.NewFakePassiveClock(now)}
	p, err := r.observe(ctx, types.NamespacedName{Namespace: in.Namespace, Name: in.Name})
	if err != nil || p == nil {
		t.Fatalf("observe: %v, %v", p, err)
	}
	p.stable = &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: in.StableName(), Namespace: in.Namespace,
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: FieldOwner, Operation: metav1.ManagedFieldsOperationApply,
			APIVersion: "apps/v1", FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(`{"f:spec":1}`)}}}}

	err = r.plan(ctx, p)
	if err == nil {
		t.Fatal("plan succeeded on unreadable managed fields")
	}
	_ = r.failed(ctx, p, phasePlan, err)

	got := &iapiv1alpha1.InterviewAPI{}
	if err := e.Client.Get(ctx, types.NamespacedName{Namespace: in.Namespace, Name: in.Name}, got); err != nil {
		t.Fatal(err)
	}
	if got.Status.Stable != nil || len(got.Status.History) != 0 {
		t.Errorf("the failed pass recorded its decision: stable %+v, history %+v", got.Status.Stable, got.Status.History)
	}
	if _, ok := got.Annotations[iapiv1alpha1.AnnotationRetry]; !ok {
		t.Errorf("the failed pass consumed the control annotation: %v", got.Annotations)
	}
	c := meta.FindStatusCondition(got.Status.Conditions, iapiv1alpha1.ConditionDegraded)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != iapiv1alpha1.ReasonReconcileFailed || !strings.Contains(c.Message, "plan: ") {
		t.Errorf("Degraded = %+v, want True ReconcileFailed naming the plan phase", c)
	}
	close(recorder.Events)
	for ev := range recorder.Events {
		if !strings.HasPrefix(ev, corev1.EventTypeWarning+" "+iapiv1alpha1.ReasonReconcileFailed) {
			t.Errorf("event %q: only the failure may be reported, none of the decision's", ev)
		}
	}
}
