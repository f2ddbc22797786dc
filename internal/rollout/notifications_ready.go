package rollout

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// NotificationsCheck is the reconciler's check of the receivers of
// spec.rollout.notifications: whether every address could be read and is allowed by
// the operator's --allowed-notification-urls. It is taken only in passes that need it
// (a decision to send, or a spec the condition has not seen), so nil keeps the
// NotificationsReady condition as it is.
type NotificationsCheck struct {
	// Ready is true when every receiver may be sent to.
	Ready bool
	// Reason is ReasonNotificationsConfigured, ReasonNotificationURLNotAllowed or
	// ReasonNotificationSecretUnreadable.
	Reason  string
	Message string
}

// notifications keeps the NotificationsReady condition: absent without receivers, set
// from the pass's check when there is one. A receiver newly refused is also a Warning
// Event, once per problem, since nothing is sent to it.
func (d *decider) notifications() {
	if len(d.obj.Spec.Rollout.Notifications) == 0 {
		meta.RemoveStatusCondition(&d.st.Conditions, v1alpha1.ConditionNotificationsReady)
		return
	}
	c := d.in.Notifications
	if c == nil {
		return
	}
	status := metav1.ConditionTrue
	if !c.Ready {
		status = metav1.ConditionFalse
		old := meta.FindStatusCondition(d.st.Conditions, v1alpha1.ConditionNotificationsReady)
		if old == nil || old.Status != metav1.ConditionFalse || old.Reason != c.Reason || old.Message != c.Message {
			d.event(eventWarning, c.Reason, "%s", c.Message)
		}
	}
	d.condition(v1alpha1.ConditionNotificationsReady, status, c.Reason, c.Message)
}
