package judge

import (
	"math"

	"github.com/interviewapi/operator/internal/poolhealth"
)

// Track is what the pods of one track (canary or stable) did over a span of time:
// counter increases, summed over the track's pods. A Has… flag false means the
// metric was not reported by every pod, so its sums cannot be trusted.
type Track struct {
	// Pods is how many pods contributed; 0 means the track has no pods (the stable
	// track at a weight of 100 %).
	Pods int
	// Waits is the increase of the acquire-wait histogram (cumulative buckets, as
	// Prometheus exports them); nil when not reported.
	Waits *poolhealth.Histogram
	// Acquires and Timeouts count connection acquires, and those of them that timed
	// out.
	Acquires, Timeouts float64
	HasAcquires        bool
	// Requests and ServerErrors count HTTP requests, and those answered 5xx.
	Requests, ServerErrors float64
	HasRequests            bool
	// BusySeconds is the integral of acquired connections over time, CapacitySeconds
	// that of the pools' capacity: their ratio is the mean utilisation.
	BusySeconds, CapacitySeconds float64
	HasUsage                     bool
	// Modes counts the pods by the database mode they reported.
	Modes map[string]int
	// Gaps says why the track does not cover all its pods over the whole span.
	Gaps []string
}

// counts are a track's scalar totals, kept between looks to take increments.
type counts struct {
	acquires, timeouts, requests, errors, busy, capacity float64
	// waits and slow count the waits in the histogram, and those above slowBound.
	waits, slow float64
}

// counts reads the totals; slowBound is the wait above which an acquire is slow.
func (t Track) counts(slowBound float64) counts {
	c := counts{acquires: t.Acquires, timeouts: t.Timeouts, requests: t.Requests, errors: t.ServerErrors,
		busy: t.BusySeconds, capacity: t.CapacitySeconds}
	if t.Waits != nil {
		c.waits = waitCount(t.Waits)
		c.slow = c.waits - countAtMost(t.Waits, slowBound)
	}
	return c
}

func (c counts) minus(o counts) counts {
	return counts{c.acquires - o.acquires, c.timeouts - o.timeouts, c.requests - o.requests,
		c.errors - o.errors, c.busy - o.busy, c.capacity - o.capacity, c.waits - o.waits, c.slow - o.slow}
}

// countAtMost is the cumulative count of the lowest bucket whose bound is at least
// bound: the waits known to be no longer than that bucket's bound. Waits between
// bound and that bucket's bound count as fast, which errs towards the canary.
func countAtMost(h *poolhealth.Histogram, bound float64) float64 {
	for _, b := range h.Buckets {
		if b.UpperBound >= bound {
			return b.Count
		}
	}
	return waitCount(h)
}

// since is what the track did after base, a look at the same track taken earlier
// in the same step: the totals are subtracted, bucket by bucket for the histogram.
// Counts never go below zero (a pod replaced between the looks takes its counts
// with it).
func (t Track) since(base Track) Track {
	out := t
	out.Acquires = math.Max(t.Acquires-base.Acquires, 0)
	out.Timeouts = math.Max(t.Timeouts-base.Timeouts, 0)
	out.Requests = math.Max(t.Requests-base.Requests, 0)
	out.ServerErrors = math.Max(t.ServerErrors-base.ServerErrors, 0)
	out.BusySeconds = math.Max(t.BusySeconds-base.BusySeconds, 0)
	out.CapacitySeconds = math.Max(t.CapacitySeconds-base.CapacitySeconds, 0)
	if t.Waits != nil && base.Waits != nil && sameBounds(t.Waits, base.Waits) {
		h := &poolhealth.Histogram{Buckets: make([]poolhealth.Bucket, len(t.Waits.Buckets))}
		for i, b := range t.Waits.Buckets {
			h.Buckets[i] = poolhealth.Bucket{UpperBound: b.UpperBound, Count: math.Max(b.Count-base.Waits.Buckets[i].Count, 0)}
		}
		h.Count = h.Buckets[len(h.Buckets)-1].Count
		out.Waits = h
	}
	return out
}

// bucketCounts turns cumulative buckets into the count of each bucket alone, forcing
// the cumulative counts to be monotonic first as Prometheus does.
func bucketCounts(h *poolhealth.Histogram) []float64 {
	out := make([]float64, len(h.Buckets))
	var prev float64
	for i, b := range h.Buckets {
		c := math.Max(b.Count, prev)
		out[i] = c - prev
		prev = c
	}
	return out
}

func sameBounds(a, b *poolhealth.Histogram) bool {
	if len(a.Buckets) != len(b.Buckets) || len(a.Buckets) == 0 {
		return false
	}
	for i := range a.Buckets {
		if a.Buckets[i].UpperBound != b.Buckets[i].UpperBound {
			return false
		}
	}
	return true
}

// waitCount is the number of waits in the histogram.
func waitCount(h *poolhealth.Histogram) float64 {
	if h == nil || len(h.Buckets) == 0 {
		return 0
	}
	return h.Buckets[len(h.Buckets)-1].Count
}

// ratio is a/b, with ok false when there is nothing to divide by.
func ratio(a, b float64) (float64, bool) {
	if b <= 0 {
		return 0, false
	}
	return a / b, true
}
