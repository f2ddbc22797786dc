package framework

import (
	"time"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// PromotedToAsync reports whether a rollout to async is over: no canary, the instance
// Healthy, and its stable revision async.
func PromotedToAsync(in *iapiv1alpha1.InterviewAPI) bool {
	st := in.Status
	return st.Phase == iapiv1alpha1.PhaseHealthy && st.Canary == nil && st.Stable != nil && st.Stable.Async
}

// ConfiguredRolloutTime is the least a healthy rollout of an instance takes by its own
// settings: every step's pause, and at least one analysis interval per step (a step is
// always analysed once).
func ConfiguredRolloutTime(in *iapiv1alpha1.InterviewAPI) time.Duration {
	interval := 30 * time.Second
	if i := in.Spec.Rollout.Analysis.Interval; i != nil {
		interval = i.Duration
	}
	var total time.Duration
	for _, step := range in.Spec.Rollout.Steps {
		pause := time.Duration(0)
		if step.Pause != nil {
			pause = step.Pause.Duration
		}
		total += max(pause, interval)
	}
	return total
}
