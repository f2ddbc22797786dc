package opmetrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/interviewapi/operator/internal/metricnames"
)

// adviceMetrics are the gauges of status.recommendation: the advised pool per pod,
// shown on the dashboard beside the pool the pods run.
type adviceMetrics struct {
	size        *prometheus.GaugeVec
	maxOverflow *prometheus.GaugeVec
}

func newAdviceMetrics() adviceMetrics {
	return adviceMetrics{
		size: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: metricnames.PoolRecommendedSize,
			Help: "The pool.size per server pod the operator advises from the measured pool use (status.recommendation.size); absent while there is too little data.",
		}, []string{labelNamespace, labelName}),
		maxOverflow: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: metricnames.PoolRecommendedMaxOverflow,
			Help: "The pool.maxOverflow per server pod the operator advises (status.recommendation.maxOverflow); absent while there is too little data.",
		}, []string{labelNamespace, labelName}),
	}
}

func (a adviceMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{a.size, a.maxOverflow}
}

// Recommended sets an instance's advised pool; nil size (no advice yet) removes the
// series, so that a dashboard shows no advice rather than a stale or zero one.
func (m *Metrics) Recommended(namespace, name string, size, maxOverflow *int32) {
	if size == nil || maxOverflow == nil {
		m.advice.size.DeleteLabelValues(namespace, name)
		m.advice.maxOverflow.DeleteLabelValues(namespace, name)
		return
	}
	m.advice.size.WithLabelValues(namespace, name).Set(float64(*size))
	m.advice.maxOverflow.WithLabelValues(namespace, name).Set(float64(*maxOverflow))
}
