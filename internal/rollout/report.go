package rollout

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// Failure is a phase of the reconcile pass that failed: the reconciler's own
// observation, reported in the Degraded condition.
type Failure struct {
	// Reason is v1alpha1.ReasonReconcileFailed, ReasonChildNotOwned or
	// ReasonPrometheusNotAllowed.
	Reason  string
	Message string
}

// StatusAfterFailure is the status to write when a phase of the pass failed. decided
// is the plan whose status the pass already wrote, or nil when the failure came before
// (the decision then is not recorded at all: its annotations stay, its Events are not
// sent, and the status keeps what it was, with the failure added).
func StatusAfterFailure(in Input, decided *Plan, f Failure) v1alpha1.InterviewAPIStatus {
	r := reporter{in: in, now: metav1.NewTime(in.Now.Truncate(time.Second)), st: in.Instance.Status.DeepCopy()}
	if decided != nil {
		r.st, r.steady = decided.Status.DeepCopy(), decided.steady
	}
	r.report(&f)
	return *r.st
}

// reporter completes a status from what the pass observed: the pod counts, the
// selector, the Available condition, the Degraded condition when no rollout holds it,
// and, when the stable revision runs alone (steady), the phase and Progressing from
// the stable Deployment, which also rolls its pods for changes that are not a new
// revision (image, replicas).
type reporter struct {
	in  Input
	now metav1.Time
	st  *v1alpha1.InterviewAPIStatus
	// steady: the decision runs the stable revision alone, with no rollout or handover.
	steady bool
}

func (r reporter) report(failure *Failure) {
	obj, s := r.in.Instance, r.st
	s.ObservedGeneration = obj.Generation
	s.Selector = labels.SelectorFromSet(obj.SelectorLabels()).String()
	stablePods, stableReady := r.in.Stable.podCounts()
	canaryPods, canaryReady := r.in.Canary.podCounts()
	s.Replicas, s.ReadyReplicas = stablePods+canaryPods, stableReady+canaryReady

	declared := obj.Spec.ReplicasOrDefault()
	available := s.ReadyReplicas >= declared
	r.condition(v1alpha1.ConditionAvailable, available,
		pick(available, v1alpha1.ReasonReplicasReady, v1alpha1.ReasonReplicasNotReady),
		fmt.Sprintf("%d of %d server pods ready", s.ReadyReplicas, declared))

	stable := progressOf(r.in.Stable, obj.StableName())
	if r.in.StableChanging {
		stable = progress{reason: v1alpha1.ReasonRollingUpdate,
			message: fmt.Sprintf("Deployment %s: applying a new pod template or replica count", obj.StableName())}
	}
	degraded := true
	var reason, message string
	switch {
	case failure != nil:
		reason, message = failure.Reason, failure.Message
	case stable.failed:
		reason, message = stable.reason, stable.message
	case r.steady && stable.done && !available:
		// During a rollout fewer ready pods than declared is a step in progress
		// (the rollout reports it in Progressing), not a failure.
		reason, message = v1alpha1.ReasonReplicasNotReady, fmt.Sprintf("only %d of %d server pods are ready", s.ReadyReplicas, declared)
	case r.steady:
		degraded, reason, message = false, v1alpha1.ReasonReconciled, "the server runs as declared"
	default:
		// A rollout runs and nothing is wrong: Degraded is the rollout's own, False
		// with the reason of its last transition, unless it still reports an earlier
		// failure or is missing.
		degraded = false
		if c := meta.FindStatusCondition(s.Conditions, v1alpha1.ConditionDegraded); c == nil || c.Status == metav1.ConditionTrue {
			reason, message = v1alpha1.ReasonReconciled, "the server runs as declared"
		}
	}
	if _, held := HeldReason(s); !held && (degraded || reason != "") {
		r.condition(v1alpha1.ConditionDegraded, degraded, reason, message)
	}
	if !r.steady {
		return
	}
	rolling := !stable.done && !stable.failed
	r.condition(v1alpha1.ConditionProgressing, rolling, stable.reason, stable.message)
	switch {
	case degraded:
		s.Phase = v1alpha1.PhaseDegraded
	case available && stable.done:
		s.Phase = v1alpha1.PhaseHealthy
	default:
		s.Phase = v1alpha1.PhaseProgressing
	}
}

// condition sets a condition, keeping its transition time unless its status changes.
func (r reporter) condition(typ string, status bool, reason, message string) {
	meta.SetStatusCondition(&r.st.Conditions, metav1.Condition{
		Type:               typ,
		Status:             pick(status, metav1.ConditionTrue, metav1.ConditionFalse),
		Reason:             reason,
		Message:            message,
		ObservedGeneration: r.in.Instance.Generation,
		LastTransitionTime: r.now,
	})
}

func pick[T any](cond bool, ifTrue, ifFalse T) T {
	if cond {
		return ifTrue
	}
	return ifFalse
}
