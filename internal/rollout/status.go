package rollout

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

const (
	eventNormal  = corev1.EventTypeNormal
	eventWarning = corev1.EventTypeWarning
)

// frozenReasons are the Degraded reasons that stop a rollout until a person acts
// (promote, retry, abort, or a new spec). A step held by the connection budget
// (ReasonBudgetHeld) is held too, but moves on by itself once the budget allows it.
var frozenReasons = []string{
	v1alpha1.ReasonAnalysisFailed,
	v1alpha1.ReasonProgressDeadline,
	v1alpha1.ReasonAnalysisInconclusive,
}

// HeldReason returns the reason of a rollout that is held, and whether it is: the
// Degraded condition is True with a frozen reason or ReasonBudgetHeld. That condition
// is the rollout's memory of being held (like every other piece of its state, it lives
// in status), so nothing else may overwrite it while it holds.
func HeldReason(st *v1alpha1.InterviewAPIStatus) (string, bool) {
	c := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionDegraded)
	if c == nil || c.Status != metav1.ConditionTrue {
		return "", false
	}
	if c.Reason == v1alpha1.ReasonBudgetHeld || slices.Contains(frozenReasons, c.Reason) {
		return c.Reason, true
	}
	return "", false
}

func (d *decider) event(typ, reason, format string, args ...any) {
	d.plan.Events = append(d.plan.Events, Event{Type: typ, Reason: reason, Message: fmt.Sprintf(format, args...)})
}

// condition sets a status condition; its transition time only moves when its status
// does.
func (d *decider) condition(typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&d.st.Conditions, metav1.Condition{
		Type:               typ,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: d.obj.Generation,
		LastTransitionTime: d.now,
	})
}

// conditionIs reports whether a condition is True with the reason.
func (d *decider) conditionIs(typ, reason string) bool {
	c := meta.FindStatusCondition(d.st.Conditions, typ)
	return c != nil && c.Status == metav1.ConditionTrue && c.Reason == reason
}

// frozen returns the reason the rollout is frozen (held until a person acts), or "".
func (d *decider) frozen() string {
	if reason, held := HeldReason(d.st); held && reason != v1alpha1.ReasonBudgetHeld {
		return reason
	}
	return ""
}

// notDegraded clears the rollout's Degraded condition.
func (d *decider) notDegraded(reason, message string) {
	d.condition(v1alpha1.ConditionDegraded, metav1.ConditionFalse, reason, message)
}

// notRolledBack clears the RolledBack condition (or records that there was none).
func (d *decider) notRolledBack(reason, message string) {
	d.condition(v1alpha1.ConditionRolledBack, metav1.ConditionFalse, reason, message)
}

// describe is a revision in words: "async, pool 20+30/30s/1h".
func describe(r v1alpha1.RevisionStatus) string {
	return fmt.Sprintf("%s, pool %s", v1alpha1.ModeName(r.Async), r.Pool.String())
}

// stepLabel names a step for people: "step 2/3 (50%)".
func (d *decider) stepLabel(step int32) string {
	return fmt.Sprintf("step %d/%d (%d%%)", step+1, len(d.cfg.steps), d.cfg.steps[step].Weight)
}
