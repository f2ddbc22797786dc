package opmetrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// The label names of the rollout metrics. "name" rather than "instance": Prometheus
// gives every scraped series an instance label of its own (the target's address).
const (
	labelNamespace = "namespace"
	labelName      = "name"
)

// verdicts and rollbackReasons are the label values the rollout counters start at 0
// for every instance, so that increase() and changes() see the first event too and a
// dashboard lists every verdict and reason before it ever happened.
func verdicts() []string {
	return []string{iapiv1alpha1.VerdictPass, iapiv1alpha1.VerdictFail, iapiv1alpha1.VerdictInconclusive}
}

func rollbackReasons() []string {
	return []string{
		iapiv1alpha1.ReasonAnalysisFailed,
		iapiv1alpha1.ReasonProgressDeadline,
		iapiv1alpha1.ReasonAborted,
		iapiv1alpha1.ReasonFastRollback,
	}
}

// stepDurationBuckets cover a step from a few analysis intervals (the shortest
// interval is 5s) to a long manual hold, in seconds.
func stepDurationBuckets() []float64 {
	return []float64{10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 21600}
}

// rolloutMetrics are the interviewapi_rollout_* metrics, one series set per instance.
type rolloutMetrics struct {
	phase        *prometheus.GaugeVec
	canaryWeight *prometheus.GaugeVec
	analyses     *prometheus.CounterVec
	rollbacks    *prometheus.CounterVec
	promotions   *prometheus.CounterVec
	stepDuration *prometheus.HistogramVec
}

func newRolloutMetrics() rolloutMetrics {
	return rolloutMetrics{
		phase: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "interviewapi_rollout_phase",
			Help: "Phase of an InterviewAPI: 0 Healthy, 1 Progressing, 2 Paused, 3 Degraded, 4 RolledBack (-1 before the first pass).",
		}, []string{labelNamespace, labelName}),
		canaryWeight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "interviewapi_rollout_canary_weight",
			Help: "Share of an InterviewAPI's server pods that run the canary revision, in percent (status.canaryWeight).",
		}, []string{labelNamespace, labelName}),
		analyses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interviewapi_rollout_analysis_total",
			Help: "Canary analyses recorded, by verdict (Pass, Fail, Inconclusive).",
		}, []string{labelNamespace, labelName, "verdict"}),
		rollbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interviewapi_rollout_rollbacks_total",
			Help: "Revisions taken off the pods, by reason: AnalysisFailed and ProgressDeadlineExceeded (automatic rollbacks), Aborted (the spec or a person ended a canary), FastRollback (the spec returned to a recently promoted revision).",
		}, []string{labelNamespace, labelName, "reason"}),
		promotions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interviewapi_rollout_promotions_total",
			Help: "Revisions promoted to the stable track after their rollout (or applied directly when there are no pods to analyse).",
		}, []string{labelNamespace, labelName}),
		stepDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "interviewapi_rollout_step_duration_seconds",
			Help:    "How long completed rollout steps took, from their weight being set to their last passing analysis (or the promote annotation).",
			Buckets: stepDurationBuckets(),
		}, []string{labelNamespace, labelName}),
	}
}

func (r rolloutMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{r.phase, r.canaryWeight, r.analyses, r.rollbacks, r.promotions, r.stepDuration}
}

// RolloutObserved sets an instance's phase (rollout.PhaseNumber) and canary weight.
// Once the instance has a canary (rolling), it also makes sure the counters and
// histograms of its rollouts exist, at 0, so that increase() sees the rollout's first
// analysis, rollback or early failure. They are created then and not at the first
// pass: they are most of an instance's series (26 of 28 metrics, two of them
// histograms; about 50 series on /metrics), and 1,000 instances that never rolled
// out held some 50 MiB of them (docs/benchmarks.md, "Operator at scale"). A fast
// rollback, which has no canary, counts its rollback from 1.
func (m *Metrics) RolloutObserved(namespace, name string, phase float64, weight int32, rolling bool) {
	r := m.rollout
	r.phase.WithLabelValues(namespace, name).Set(phase)
	r.canaryWeight.WithLabelValues(namespace, name).Set(float64(weight))
	if !rolling {
		return
	}
	for _, v := range verdicts() {
		r.analyses.WithLabelValues(namespace, name, v)
	}
	for _, reason := range rollbackReasons() {
		r.rollbacks.WithLabelValues(namespace, name, reason)
	}
	r.promotions.WithLabelValues(namespace, name)
	r.stepDuration.WithLabelValues(namespace, name)
	m.notifications.results.WithLabelValues(namespace, name, "", NotificationDropped)
	m.analysis.observed(namespace, name)
}

// AnalysisRecorded counts an analysis of an instance's canary by its verdict.
func (m *Metrics) AnalysisRecorded(namespace, name, verdict string) {
	m.rollout.analyses.WithLabelValues(namespace, name, verdict).Inc()
}

// RolledBack counts a revision taken off an instance's pods, by reason.
func (m *Metrics) RolledBack(namespace, name, reason string) {
	m.rollout.rollbacks.WithLabelValues(namespace, name, reason).Inc()
}

// Promoted counts a promotion of an instance's canary revision.
func (m *Metrics) Promoted(namespace, name string) {
	m.rollout.promotions.WithLabelValues(namespace, name).Inc()
}

// StepCompleted records how long a completed step of an instance's rollout took.
func (m *Metrics) StepCompleted(namespace, name string, d time.Duration) {
	m.rollout.stepDuration.WithLabelValues(namespace, name).Observe(d.Seconds())
}

// Forget removes every series of an instance that no longer exists.
func (m *Metrics) Forget(namespace, name string) {
	labels := prometheus.Labels{labelNamespace: namespace, labelName: name}
	// Every vector of the per-instance groups, so that a metric added to a group's
	// collectors is forgotten with the instance too; the groups' plain metrics (the
	// notification queue's length) belong to no instance.
	for _, c := range m.instanceGroups() {
		if v, ok := c.(interface{ DeletePartialMatch(prometheus.Labels) int }); ok {
			v.DeletePartialMatch(labels)
		}
	}
}
