package rollout

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

func withNotifications(n ...v1alpha1.Notification) func(*v1alpha1.InterviewAPI) {
	return func(in *v1alpha1.InterviewAPI) { in.Spec.Rollout.Notifications = n }
}

func TestNotificationsReadyCondition(t *testing.T) {
	hook := v1alpha1.Notification{Type: v1alpha1.NotificationWebhook, URL: "http://hooks.ops.svc/x"}
	refused := &NotificationsCheck{Reason: v1alpha1.ReasonNotificationURLNotAllowed,
		Message: "spec.rollout.notifications[0] (Webhook, http://hooks.example.com): not among the allowed URLs"}
	ready := &NotificationsCheck{Ready: true, Reason: v1alpha1.ReasonNotificationsConfigured, Message: "1 receiver"}

	w := newWorld(t, newInstance(withNotifications(hook)))
	p := w.pass()
	if c := conditionOf(p.Status, v1alpha1.ConditionNotificationsReady); c.Type != "" {
		t.Fatalf("a pass without a check wrote %+v", c)
	}
	for i, tc := range []struct {
		check      *NotificationsCheck
		wantStatus metav1.ConditionStatus
		wantEvent  bool
	}{
		{refused, metav1.ConditionFalse, true},
		{refused, metav1.ConditionFalse, false}, // the same refusal is told once
		{nil, metav1.ConditionFalse, false},     // no check: the condition stays
		{ready, metav1.ConditionTrue, false},
		{refused, metav1.ConditionFalse, true}, // refused again after a fix: told again
	} {
		in := w.input(nil)
		in.Notifications = tc.check
		p := Decide(in)
		w.apply(p)
		c := conditionOf(p.Status, v1alpha1.ConditionNotificationsReady)
		_, evented := hasEvent(p, eventWarning, v1alpha1.ReasonNotificationURLNotAllowed)
		if c.Status != tc.wantStatus || evented != tc.wantEvent {
			t.Errorf("pass %d: condition %+v, Event %v; want %s, Event %v", i, c, evented, tc.wantStatus, tc.wantEvent)
		}
	}
	// Without receivers the condition goes.
	w.setSpec(withNotifications())
	if c := conditionOf(w.pass().Status, v1alpha1.ConditionNotificationsReady); c.Type != "" {
		t.Errorf("no receivers, condition %+v", c)
	}
}
