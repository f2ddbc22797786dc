package opmetrics

import "github.com/prometheus/client_golang/prometheus"

// Results of interviewapi_operator_notifications_total.
const (
	NotificationDelivered = "delivered"
	NotificationRetried   = "retried"
	NotificationFailed    = "failed"
	NotificationDropped   = "dropped"
	NotificationRefused   = "refused"
)

// notificationMetrics are the interviewapi_operator_notifications_* metrics.
type notificationMetrics struct {
	results *prometheus.CounterVec
	queued  prometheus.Gauge
}

func newNotificationMetrics() notificationMetrics {
	return notificationMetrics{
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "interviewapi_operator_notifications_total",
			Help: "Rollout decisions sent to an instance's notification receivers, by receiver type and result: delivered, retried (an attempt failed and another follows), failed (every attempt failed, or the receiver refused the request), dropped (the queue was full; type is empty), refused (the address is not allowed or its Secret unreadable; nothing was sent).",
		}, []string{labelNamespace, labelName, "type", "result"}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "interviewapi_operator_notifications_queued",
			Help: "Decisions waiting in the operator's notification queue, all instances together.",
		}),
	}
}

func (n notificationMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{n.results, n.queued}
}

// NotificationsConfigured starts the counters of an instance's receiver types at 0,
// so that increase() sees their first failure.
func (m *Metrics) NotificationsConfigured(namespace, name string, types []string) {
	for _, typ := range types {
		for _, result := range []string{NotificationDelivered, NotificationRetried, NotificationFailed, NotificationRefused} {
			m.notifications.results.WithLabelValues(namespace, name, typ, result)
		}
	}
}

// NotificationDelivered counts a decision a receiver accepted.
func (m *Metrics) NotificationDelivered(namespace, name, typ string) {
	m.notifications.results.WithLabelValues(namespace, name, typ, NotificationDelivered).Inc()
}

// NotificationRetried counts a failed attempt that is tried again.
func (m *Metrics) NotificationRetried(namespace, name, typ string) {
	m.notifications.results.WithLabelValues(namespace, name, typ, NotificationRetried).Inc()
}

// NotificationFailed counts a decision a receiver did not get.
func (m *Metrics) NotificationFailed(namespace, name, typ string) {
	m.notifications.results.WithLabelValues(namespace, name, typ, NotificationFailed).Inc()
}

// NotificationDropped counts a decision the full queue could not take.
func (m *Metrics) NotificationDropped(namespace, name string) {
	m.notifications.results.WithLabelValues(namespace, name, "", NotificationDropped).Inc()
}

// NotificationRefused counts a decision not sent to a receiver whose address is not
// allowed or cannot be read.
func (m *Metrics) NotificationRefused(namespace, name, typ string) {
	m.notifications.results.WithLabelValues(namespace, name, typ, NotificationRefused).Inc()
}

// NotificationsQueued sets the length of the notification queue.
func (m *Metrics) NotificationsQueued(n int) { m.notifications.queued.Set(float64(n)) }
