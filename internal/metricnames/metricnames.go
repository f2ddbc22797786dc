// Package metricnames is the one source of the names of the Prometheus metrics the
// server exports, their labels and the label values other parts interpret. The server
// registers its metrics under these names (internal/poolstats, internal/httpapi), the
// operator's canary analysis parses and queries them (internal/poolhealth), the
// benchmarks read them (hack/benchmodes), and a test checks that every server metric
// the dashboards and alert rules use (config/grafana, config/prometheus) is one of
// them. The names are part of the fixed interface (docs/architecture.md, "Fixed
// names"): dashboards and Prometheus rules outside this repository read them too.
//
// It depends on nothing, so both programs can import it without pulling in the other.
package metricnames

// The server's pool-health metrics.
const (
	// Mode is a gauge, 1 for the active database mode and 0 for the other (LabelMode).
	Mode = "interviewapi_db_mode"
	// PoolMaxConnections is a gauge: the pool's total cap, size + maxOverflow.
	PoolMaxConnections = "interviewapi_db_pool_max_connections"
	// PoolConnections is a gauge of open connections by LabelState.
	PoolConnections = "interviewapi_db_pool_connections"
	// PoolPendingAcquires is a gauge: acquires waiting right now.
	PoolPendingAcquires = "interviewapi_db_pool_pending_acquires"
	// PoolAcquireDuration is a histogram of the wait for a connection, in seconds.
	PoolAcquireDuration = "interviewapi_db_pool_acquire_duration_seconds"
	// PoolAcquires is a counter of acquires by LabelResult.
	PoolAcquires = "interviewapi_db_pool_acquires_total"
	// PoolConnectionsClosed is a counter of closed connections by LabelReason.
	PoolConnectionsClosed = "interviewapi_db_pool_connections_closed_total"
	// PoolAcquiredSeconds is a counter: the integral over time of acquired
	// connections, from which the mean utilisation over an interval follows.
	PoolAcquiredSeconds = "interviewapi_db_pool_acquired_connections_seconds_total"
)

// The server's HTTP metrics, labelled by LabelRoute (the route template), LabelMethod
// and, for requests, LabelCode.
const (
	HTTPRequests        = "interviewapi_http_requests_total"
	HTTPRequestDuration = "interviewapi_http_request_duration_seconds"
)

// Label names.
const (
	LabelMode   = "mode"
	LabelState  = "state"
	LabelResult = "result"
	LabelReason = "reason"
	LabelRoute  = "route"
	LabelMethod = "method"
	LabelCode   = "code"
)

// Values of LabelMode.
const (
	ModeSync  = "sync"
	ModeAsync = "async"
)

// Values of LabelState.
const (
	StateAcquired     = "acquired"
	StateIdle         = "idle"
	StateConstructing = "constructing"
)

// Values of LabelResult.
const (
	ResultSuccess  = "success"
	ResultTimeout  = "timeout"
	ResultCanceled = "canceled"
	ResultError    = "error"
)

// Values of LabelReason.
const (
	ClosedLifetime = "lifetime"
	ClosedIdle     = "idle"
	ClosedBroken   = "broken"
)

// Histogram series: a histogram named H is exposed as H_bucket, H_sum and H_count.
const (
	BucketSuffix = "_bucket"
	SumSuffix    = "_sum"
	CountSuffix  = "_count"
)

// Server lists every metric the server exports under this package's names.
func Server() []string {
	return []string{
		Mode, PoolMaxConnections, PoolConnections, PoolPendingAcquires, PoolAcquireDuration,
		PoolAcquires, PoolConnectionsClosed, PoolAcquiredSeconds, HTTPRequests, HTTPRequestDuration,
	}
}

// Histograms lists the server's histograms, whose series carry the suffixes above.
func Histograms() []string { return []string{PoolAcquireDuration, HTTPRequestDuration} }

// The operator's pool advice (internal/opmetrics, status.recommendation), labelled by
// namespace and name: gauges of the advised pool.size and pool.maxOverflow per pod.
const (
	PoolRecommendedSize        = "interviewapi_pool_recommended_size"
	PoolRecommendedMaxOverflow = "interviewapi_pool_recommended_max_overflow"
)
