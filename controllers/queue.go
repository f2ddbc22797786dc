package controllers

import (
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
)

// Work-queue priorities of the passes a pass asks for (controller-runtime's priority
// queue takes the higher priority first; the passes of the objects listed at start
// come at its low priority, handler.LowPriority, and those of watch events at 0).
const (
	// priorityTimed is a pass for timed work other than an analysis: a Compare
	// sample, a progress deadline, a pool-advice sample.
	priorityTimed = 0
	// priorityAnalysis is the pass that takes a due analysis: it goes before the
	// samples and cold-start passes of other instances, so that with many rollouts
	// at once each analysis is taken when it falls due rather than behind a second's
	// worth of samples (docs/benchmarks.md, "Operator at scale").
	priorityAnalysis = 10
)

// minRequeue is the shortest requeue queued: a pass that overran its next due time
// asks for the next pass at once, which 0 would not (0 is no requeue).
const minRequeue = time.Millisecond

// queued is the result a successful pass returns: its requeue, counted from the end of
// the pass rather than from its start (the pass's time, clockNow, is what the
// decision's delays are counted from), with the priority of the work it is for.
func (r *InterviewAPIReconciler) queued(p *pass) ctrl.Result {
	res := p.result
	if res.RequeueAfter <= 0 {
		return res
	}
	due := res.RequeueAfter
	res.RequeueAfter = max(due-r.Clock.Since(p.clockNow), minRequeue)
	priority := priorityTimed
	if p.analysisAfter > 0 && due >= p.analysisAfter {
		priority = priorityAnalysis
	}
	res.Priority = &priority
	return res
}
