package opmetrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// analysisMetrics are the interviewapi_rollout_analysis_* metrics of the judges'
// checks and of the Compare judge's sampling.
type analysisMetrics struct {
	checks       *prometheus.CounterVec
	early        *prometheus.CounterVec
	sharedFaults *prometheus.CounterVec
	samples      *prometheus.CounterVec
	sampleTime   *prometheus.HistogramVec
}

// sampleBuckets cover a look at both tracks, from a cached answer to a slow scrape
// (the scrape timeout is 3s), in seconds.
func sampleBuckets() []float64 {
	return []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3}
}

func newAnalysisMetrics() analysisMetrics {
	return analysisMetrics{
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interviewapi_rollout_analysis_checks_total",
			Help: "Checks of recorded analyses, by judge (Compare, Threshold), check (acquireWaitP99, errorRatio, …), verdict (Pass, Fail, Inconclusive) and dry_run (true when the verdict was not acted on).",
		}, []string{labelNamespace, labelName, "judge", "check", "verdict", "dry_run"}),
		early: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interviewapi_rollout_analysis_early_failures_total",
			Help: "Failures the Compare judge decided at a sample, between analyses, and acted on at once.",
		}, []string{labelNamespace, labelName}),
		sharedFaults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interviewapi_rollout_analysis_shared_faults_total",
			Help: "Analyses the Compare judge found inconclusive because the stable pods degraded alike (a fault of the environment, not of the canary).",
		}, []string{labelNamespace, labelName}),
		samples: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interviewapi_rollout_analysis_samples_total",
			Help: "Looks of the Compare judge at both tracks (one every sampleInterval during a step).",
		}, []string{labelNamespace, labelName}),
		sampleTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "interviewapi_rollout_analysis_sample_duration_seconds",
			Help:    "How long one look of the Compare judge took: measuring both tracks and judging them.",
			Buckets: sampleBuckets(),
		}, []string{labelNamespace, labelName}),
	}
}

func (a analysisMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{a.checks, a.early, a.sharedFaults, a.samples, a.sampleTime}
}

// compareChecks are the checks of the Compare judge, whose series start at 0.
func compareChecks() []string {
	return []string{"acquireWaitP99", "acquireTimeoutRatio", "errorRatio", "poolUtilization"}
}

// observed makes sure an instance's series exist once it rolls out, counters at 0, so
// that increase() sees the first early failure or shared fault too.
func (a analysisMetrics) observed(namespace, name string) {
	for _, c := range compareChecks() {
		for _, v := range verdicts() {
			a.checks.WithLabelValues(namespace, name, "Compare", c, v, "false")
		}
	}
	a.early.WithLabelValues(namespace, name)
	a.sharedFaults.WithLabelValues(namespace, name)
	a.samples.WithLabelValues(namespace, name)
	a.sampleTime.WithLabelValues(namespace, name)
}

// CheckRecorded counts one check of a recorded analysis.
func (m *Metrics) CheckRecorded(namespace, name, judge, check, verdict string, dryRun bool) {
	d := "false"
	if dryRun {
		d = "true"
	}
	m.analysis.checks.WithLabelValues(namespace, name, judge, check, verdict, d).Inc()
}

// EarlyFailure counts a failure the Compare judge decided between analyses.
func (m *Metrics) EarlyFailure(namespace, name string) {
	m.analysis.early.WithLabelValues(namespace, name).Inc()
}

// SharedFault counts an analysis made inconclusive by a shared fault.
func (m *Metrics) SharedFault(namespace, name string) {
	m.analysis.sharedFaults.WithLabelValues(namespace, name).Inc()
}

// Sampled counts one look of the Compare judge and how long it took.
func (m *Metrics) Sampled(namespace, name string, took time.Duration) {
	m.analysis.samples.WithLabelValues(namespace, name).Inc()
	m.analysis.sampleTime.WithLabelValues(namespace, name).Observe(took.Seconds())
}
