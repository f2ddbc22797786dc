package controllers

import (
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
)

// A pass's requeue is counted from its end, and the pass that takes a due analysis
// goes ahead of other timed work in the work queue.
func TestQueued(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		requeue       time.Duration
		analysisAfter time.Duration
		took          time.Duration // how long the pass ran
		wantRequeue   time.Duration
		wantPriority  *int
	}{
		{name: "nothing timed", requeue: 0, took: time.Second, wantRequeue: 0, wantPriority: nil},
		{name: "a sample before the analysis", requeue: time.Second, analysisAfter: 4 * time.Second, took: 200 * time.Millisecond,
			wantRequeue: 800 * time.Millisecond, wantPriority: ptr.To(priorityTimed)},
		{name: "the analysis next", requeue: 600 * time.Millisecond, analysisAfter: 600 * time.Millisecond, took: 100 * time.Millisecond,
			wantRequeue: 500 * time.Millisecond, wantPriority: ptr.To(priorityAnalysis)},
		{name: "timed work with no rollout (advice)", requeue: time.Minute, took: time.Second,
			wantRequeue: time.Minute - time.Second, wantPriority: ptr.To(priorityTimed)},
		{name: "a pass that overran its due time comes back at once", requeue: time.Second, analysisAfter: time.Second, took: 3 * time.Second,
			wantRequeue: minRequeue, wantPriority: ptr.To(priorityAnalysis)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clocktesting.NewFakePassiveClock(start.Add(tt.took))
			r := &InterviewAPIReconciler{Clock: clk}
			got := r.queued(&pass{clockNow: start, result: ctrl.Result{RequeueAfter: tt.requeue}, analysisAfter: tt.analysisAfter})
			if got.RequeueAfter != tt.wantRequeue {
				t.Errorf("requeue %s, want %s", got.RequeueAfter, tt.wantRequeue)
			}
			switch {
			case (got.Priority == nil) != (tt.wantPriority == nil):
				t.Errorf("priority %v, want %v", got.Priority, tt.wantPriority)
			case got.Priority != nil && *got.Priority != *tt.wantPriority:
				t.Errorf("priority %d, want %d", *got.Priority, *tt.wantPriority)
			}
		})
	}
}
