package poolhealth

import (
	"fmt"
	"time"
)

// Delta is what a group of pods did over an interval: the increase of every counter,
// the merged increase of the acquire-wait histogram, and the pool capacity that was
// available. A nil pointer or map means the metric is not known for every pod of the
// group, so no sum over the group can be trusted.
type Delta struct {
	// Pods is how many pods contributed.
	Pods int
	// Window is the longest interval of the contributing pods.
	Window time.Duration

	Acquires        map[string]float64
	AcquireWait     *Histogram
	Requests        *RequestCounts
	AcquiredSeconds *float64
	// CapacitySeconds is the sum over pods of interval × max connections: the
	// denominator of mean utilisation.
	CapacitySeconds *float64

	// Modes counts the pods by the database mode they reported at the end.
	Modes map[string]int
	// Resets counts the pods whose counters restarted from zero inside the interval.
	Resets int
	// Gaps says why the delta does not cover every pod for the whole interval
	// (a pod that could not be scraped, a pod with no data); empty when it does.
	Gaps []string
}

// Diff is what one pod did between two of its samples.
//
// A counter that went down means the process restarted between the samples (the pod
// keeps its UID across container restarts). The later sample is then taken as the
// increase since zero, which is what Prometheus' increase() does: the counts after the
// restart are real traffic inside the interval, and the restart itself is reported in
// Resets. Every counter of the pod is treated that way together, so ratios never mix a
// pre-restart numerator with a post-restart denominator.
func Diff(prev, cur Sample) (Delta, error) {
	window := cur.Time.Sub(prev.Time)
	if window <= 0 {
		return Delta{}, fmt.Errorf("samples out of order: %s is not after %s", cur.Time.Format(time.RFC3339Nano), prev.Time.Format(time.RFC3339Nano))
	}
	base := prev
	d := Delta{Pods: 1, Window: window}
	if restarted(prev, cur) {
		base = Sample{}
		d.Resets = 1
	}

	if cur.Acquires != nil {
		d.Acquires = make(map[string]float64, len(cur.Acquires))
		for k, v := range cur.Acquires {
			d.Acquires[k] = v - base.Acquires[k]
		}
	}
	if cur.AcquireWait != nil {
		d.AcquireWait = cur.AcquireWait.clone()
		if base.AcquireWait != nil {
			d.AcquireWait.sub(base.AcquireWait)
		}
	}
	if cur.Requests != nil {
		r := *cur.Requests
		if base.Requests != nil {
			r.Total -= base.Requests.Total
			r.ServerErrors -= base.Requests.ServerErrors
		}
		d.Requests = &r
	}
	if cur.AcquiredSeconds != nil {
		v := *cur.AcquiredSeconds
		if base.AcquiredSeconds != nil {
			v -= *base.AcquiredSeconds
		}
		d.AcquiredSeconds = &v
	}
	if cur.MaxConnections != nil {
		c := window.Seconds() * *cur.MaxConnections
		d.CapacitySeconds = &c
	}
	if cur.Mode != "" {
		d.Modes = map[string]int{cur.Mode: 1}
	}
	return d, nil
}

// restarted reports whether any counter went down between two samples of a pod, or a
// labelled counter disappeared, or the histogram changed its buckets: the signs of a
// process that started again from zero.
func restarted(prev, cur Sample) bool {
	if prev.Acquires != nil && cur.Acquires != nil {
		for k, v := range prev.Acquires {
			if cur.Acquires[k] < v {
				return true
			}
		}
	}
	if p, c := prev.AcquireWait, cur.AcquireWait; p != nil && c != nil {
		if !p.sameBounds(c) || c.Count < p.Count {
			return true
		}
		for i := range p.Buckets {
			if c.Buckets[i].Count < p.Buckets[i].Count {
				return true
			}
		}
	}
	if p, c := prev.Requests, cur.Requests; p != nil && c != nil {
		if c.Total < p.Total || c.ServerErrors < p.ServerErrors {
			return true
		}
	}
	if p, c := prev.AcquiredSeconds, cur.AcquiredSeconds; p != nil && c != nil && *c < *p {
		return true
	}
	return false
}

// Aggregate adds the deltas of several pods over the same interval: counters are
// summed and histogram buckets merged. A metric missing from any pod is missing from
// the sum, since a partial sum would understate it.
func Aggregate(deltas ...Delta) Delta {
	var out Delta
	if len(deltas) == 0 {
		return out
	}
	out.Acquires = map[string]float64{}
	out.Requests = &RequestCounts{}
	out.AcquiredSeconds = new(float64)
	out.CapacitySeconds = new(float64)
	out.Modes = map[string]int{}
	for i, d := range deltas {
		out.Pods += d.Pods
		out.Window = max(out.Window, d.Window)
		out.Resets += d.Resets
		out.Gaps = append(out.Gaps, d.Gaps...)
		for k, n := range d.Modes {
			out.Modes[k] += n
		}

		if out.Acquires != nil && d.Acquires != nil {
			for k, v := range d.Acquires {
				out.Acquires[k] += v
			}
		} else {
			out.Acquires = nil
		}
		switch {
		case d.AcquireWait == nil:
			out.AcquireWait = nil
		case i == 0:
			out.AcquireWait = d.AcquireWait.clone()
		case out.AcquireWait != nil && out.AcquireWait.sameBounds(d.AcquireWait):
			out.AcquireWait.add(d.AcquireWait)
		default:
			out.AcquireWait = nil
		}
		if out.Requests != nil && d.Requests != nil {
			out.Requests.Total += d.Requests.Total
			out.Requests.ServerErrors += d.Requests.ServerErrors
		} else {
			out.Requests = nil
		}
		out.AcquiredSeconds = addOptional(out.AcquiredSeconds, d.AcquiredSeconds)
		out.CapacitySeconds = addOptional(out.CapacitySeconds, d.CapacitySeconds)
	}
	if len(out.Modes) == 0 {
		out.Modes = nil
	}
	return out
}

// addOptional adds b into a; unknown (nil) on either side makes the sum unknown.
func addOptional(a, b *float64) *float64 {
	if a == nil || b == nil {
		return nil
	}
	v := *a + *b
	return &v
}

// add adds o's buckets into h; the caller has checked that the bounds agree.
func (h *Histogram) add(o *Histogram) {
	h.Count += o.Count
	h.Sum += o.Sum
	for i := range h.Buckets {
		h.Buckets[i].Count += o.Buckets[i].Count
	}
}

// sub subtracts o's buckets from h; the caller has checked that the bounds agree.
func (h *Histogram) sub(o *Histogram) {
	h.Count -= o.Count
	h.Sum -= o.Sum
	for i := range h.Buckets {
		h.Buckets[i].Count -= o.Buckets[i].Count
	}
}
