package poolhealth

import (
	"cmp"
	"slices"
	"time"
)

// Sample is what one pod's /metrics said at one instant, reduced to what the analysis
// uses. A nil pointer or map means the pod did not export that metric.
type Sample struct {
	// Time is when the sample was taken.
	Time time.Time

	// Acquires is interviewapi_db_pool_acquires_total by its result label.
	Acquires map[string]float64
	// AcquireWait is the interviewapi_db_pool_acquire_duration_seconds histogram.
	AcquireWait *Histogram
	// Requests sums interviewapi_http_requests_total over routes and methods.
	Requests *RequestCounts
	// AcquiredSeconds is interviewapi_db_pool_acquired_connections_seconds_total: the
	// integral over time of the number of acquired connections.
	AcquiredSeconds *float64

	// MaxConnections is the gauge interviewapi_db_pool_max_connections.
	MaxConnections *float64
	// PendingAcquires is the gauge interviewapi_db_pool_pending_acquires.
	PendingAcquires *float64
	// Connections is the gauge interviewapi_db_pool_connections by its state label.
	Connections map[string]float64
	// Mode is the mode label of interviewapi_db_mode whose value is 1, or "".
	Mode string
}

// RequestCounts are HTTP request counters.
type RequestCounts struct {
	// Total counts every request.
	Total float64
	// ServerErrors counts requests answered with a 5xx status.
	ServerErrors float64
}

// Histogram is a classic Prometheus histogram: cumulative bucket counts in increasing
// order of upper bound, the last bucket's bound being +Inf.
type Histogram struct {
	Buckets []Bucket
	Count   float64
	Sum     float64
}

// Bucket is one cumulative bucket: how many observations were at most UpperBound.
type Bucket struct {
	UpperBound float64
	Count      float64
}

// sameBounds reports whether two histograms have the same bucket bounds, the condition
// for subtracting or adding them bucket by bucket.
func (h *Histogram) sameBounds(o *Histogram) bool {
	if len(h.Buckets) != len(o.Buckets) {
		return false
	}
	for i := range h.Buckets {
		if h.Buckets[i].UpperBound != o.Buckets[i].UpperBound {
			return false
		}
	}
	return true
}

// clone returns a deep copy, so that sums and differences never alias their inputs.
func (h *Histogram) clone() *Histogram {
	c := &Histogram{Count: h.Count, Sum: h.Sum, Buckets: make([]Bucket, len(h.Buckets))}
	copy(c.Buckets, h.Buckets)
	return c
}

// sortBuckets orders buckets by upper bound, +Inf last.
func sortBuckets(bs []Bucket) {
	slices.SortFunc(bs, func(a, b Bucket) int { return cmp.Compare(a.UpperBound, b.UpperBound) })
}
