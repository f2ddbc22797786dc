package controllers

import (
	"context"
	"errors"
	"maps"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Deadlines of a reconcile pass. Every request a pass sends (to the API server, to a
// pod's /metrics, to a Prometheus) runs under the pass's context, so none outlives
// them. A fast rollback, an abort or a pause never waits for a metric source: a
// change of the instance interrupts its analysis at once (see analysisFlights), so
// what stands between such a patch and the Deployments is only the API requests of
// the pass in progress.
const (
	// DefaultReconcileTimeout bounds one pass of one instance, analysis included.
	DefaultReconcileTimeout = 15 * time.Second
	// DefaultAnalysisTimeout bounds one analysis (every scrape or Prometheus query of
	// it); a source that has not answered by then makes the analysis Inconclusive.
	DefaultAnalysisTimeout = 10 * time.Second
	// failureReportTimeout bounds the status write that reports a failed pass, which
	// may run after the pass's own deadline has passed.
	failureReportTimeout = 5 * time.Second
)

var (
	// errReconcileTimeout is the cause of a pass's context when its deadline passed.
	errReconcileTimeout = errors.New("the reconcile pass ran out of time (--reconcile-timeout)")
	// errAnalysisTimeout is the cause of an analysis' context when its deadline passed.
	errAnalysisTimeout = errors.New("analysis deadline passed")
	// errInstanceChanged interrupts an analysis whose instance was changed (its
	// spec or annotations) while it ran: what it measures may no longer be asked for,
	// and the change (a patch back, an abort, a pause) must not wait for it.
	errInstanceChanged = errors.New("the instance changed while its analysis ran")
)

// reconcileTimeout is the deadline of one pass.
func (r *InterviewAPIReconciler) reconcileTimeout() time.Duration {
	if r.ReconcileTimeout > 0 {
		return r.ReconcileTimeout
	}
	return DefaultReconcileTimeout
}

// analysisTimeout is the deadline of one analysis.
func (r *InterviewAPIReconciler) analysisTimeout() time.Duration {
	if r.AnalysisTimeout > 0 {
		return r.AnalysisTimeout
	}
	return DefaultAnalysisTimeout
}

// analysisFlights are the analyses in progress, one at most per instance (the work
// queue never runs two passes of one instance at once), each with the function that
// interrupts it.
type analysisFlights struct {
	mu      sync.Mutex
	flights map[types.NamespacedName]context.CancelCauseFunc
}

// start registers an analysis of key and returns its context: it ends at the
// analysis deadline, with errAnalysisTimeout, or when the instance changes, with
// errInstanceChanged. done unregisters it and releases the context.
func (f *analysisFlights) start(parent context.Context, key types.NamespacedName, timeout time.Duration) (ctx context.Context, done func()) {
	timed, cancelTimer := context.WithTimeoutCause(parent, timeout, errAnalysisTimeout)
	ctx, interrupt := context.WithCancelCause(timed)
	f.mu.Lock()
	if f.flights == nil {
		f.flights = map[types.NamespacedName]context.CancelCauseFunc{}
	}
	f.flights[key] = interrupt
	f.mu.Unlock()
	return ctx, func() {
		f.mu.Lock()
		delete(f.flights, key)
		f.mu.Unlock()
		interrupt(nil)
		cancelTimer()
	}
}

// interrupt ends the analysis of key in progress, if any.
func (f *analysisFlights) interrupt(key types.NamespacedName) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if cancel, ok := f.flights[key]; ok {
		cancel(errInstanceChanged)
	}
}

// changedByUser reports whether an update of an instance is one a pass must act on
// at once: its spec (generation) or its annotations (the controls) changed. The
// operator's own status writes change neither.
func changedByUser(old, updated client.Object) bool {
	return old.GetGeneration() != updated.GetGeneration() || !maps.Equal(old.GetAnnotations(), updated.GetAnnotations())
}

// interruptOnChange is the event handler that interrupts an instance's analysis when
// the instance is changed or deleted. It enqueues nothing: the controller's own watch
// of the instance does, and the worker takes the new request as soon as the
// interrupted pass returns.
func (r *InterviewAPIReconciler) interruptOnChange() handler.EventHandler {
	return handler.Funcs{
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			if changedByUser(e.ObjectOld, e.ObjectNew) {
				r.analyses.interrupt(client.ObjectKeyFromObject(e.ObjectNew))
			}
		},
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, _ workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			r.analyses.interrupt(client.ObjectKeyFromObject(e.Object))
		},
	}
}
