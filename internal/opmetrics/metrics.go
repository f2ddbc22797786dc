// Package opmetrics holds the operator's own Prometheus metrics. They are registered
// in controller-runtime's metrics registry, so they are served on the manager's
// metrics endpoint next to the controller_runtime_* and workqueue_* metrics.
package opmetrics

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the interviewapi_operator_* and interviewapi_rollout_* metrics. One value
// is made per process by New and passed to the reconciler; tests make their own with
// a private registry.
type Metrics struct {
	reconcileErrors *prometheus.CounterVec
	childrenApplied *prometheus.CounterVec
	childrenDeleted *prometheus.CounterVec
	statusUpdates   prometheus.Counter
	buildInfo       *prometheus.GaugeVec

	rollout       rolloutMetrics
	notifications notificationMetrics
	analysis      analysisMetrics
	advice        adviceMetrics
}

// New makes the metrics of an operator of the given version.
func New(version string) *Metrics {
	m := &Metrics{
		reconcileErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interviewapi_operator_reconcile_errors_total",
			Help: "Reconcile passes of an InterviewAPI that failed, by the phase that failed (observe, plan, status, canary, stable, service, pdb).",
		}, []string{"phase"}),
		childrenApplied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interviewapi_operator_children_applied_total",
			Help: "Server-side applies of owned objects that changed them, by kind. A steady state applies nothing.",
		}, []string{"kind"}),
		childrenDeleted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interviewapi_operator_children_deleted_total",
			Help: "Owned objects the operator deleted, by kind.",
		}, []string{"kind"}),
		statusUpdates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "interviewapi_operator_status_updates_total",
			Help: "Writes of an InterviewAPI's status; a pass that changes nothing writes none.",
		}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "interviewapi_operator_build_info",
			Help: "Always 1; the version label is the running operator's version.",
		}, []string{"version"}),
		rollout:       newRolloutMetrics(),
		notifications: newNotificationMetrics(),
		analysis:      newAnalysisMetrics(),
		advice:        newAdviceMetrics(),
	}
	m.buildInfo.WithLabelValues(version).Set(1)
	return m
}

// instanceGroups are the collectors of the metric groups whose series belong to one
// instance (labelled namespace and name); Forget removes an instance's series from each.
func (m *Metrics) instanceGroups() []prometheus.Collector {
	var cs []prometheus.Collector
	cs = append(cs, m.rollout.collectors()...)
	cs = append(cs, m.notifications.collectors()...)
	cs = append(cs, m.analysis.collectors()...)
	return append(cs, m.advice.collectors()...)
}

// Register adds every metric to reg, such as controller-runtime's metrics.Registry.
func (m *Metrics) Register(reg prometheus.Registerer) error {
	collectors := append([]prometheus.Collector{m.reconcileErrors, m.childrenApplied, m.childrenDeleted, m.statusUpdates, m.buildInfo}, m.instanceGroups()...)
	var errs []error
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("register the operator metrics: %w", err)
	}
	return nil
}

// ReconcilePhases starts interviewapi_operator_reconcile_errors_total at 0 for each
// of the reconciler's phases, so that the series exist before the first failure and
// rate() sees it.
func (m *Metrics) ReconcilePhases(phases ...string) {
	for _, p := range phases {
		m.reconcileErrors.WithLabelValues(p)
	}
}

// ReconcileError counts a failed reconcile pass by the phase that failed.
func (m *Metrics) ReconcileError(phase string) { m.reconcileErrors.WithLabelValues(phase).Inc() }

// ChildApplied counts an apply that changed an owned object of a kind.
func (m *Metrics) ChildApplied(kind string) { m.childrenApplied.WithLabelValues(kind).Inc() }

// ChildDeleted counts a deletion of an owned object of a kind.
func (m *Metrics) ChildDeleted(kind string) { m.childrenDeleted.WithLabelValues(kind).Inc() }

// StatusUpdated counts a status write.
func (m *Metrics) StatusUpdated() { m.statusUpdates.Inc() }
