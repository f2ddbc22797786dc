package poolhealth

import (
	"math"
	"sort"
)

// Quantile estimates the q-quantile (0 ≤ q ≤ 1) of the observations in the histogram the
// way Prometheus' histogram_quantile does for classic histograms: find the bucket the
// rank falls in and interpolate linearly between its lower and upper bound, assuming
// the observations are spread evenly inside it. The lowest bucket starts at 0 (or is
// returned as is when its bound is not positive); a rank in the +Inf bucket returns
// the highest finite bound. It returns NaN when the histogram has no +Inf bucket, fewer
// than two buckets, or no observations, and forces cumulative counts to be monotonic
// first, as Prometheus does, since a merge of scrapes taken at slightly different
// moments can break monotonicity by a little.
func (h *Histogram) Quantile(q float64) float64 {
	switch {
	case math.IsNaN(q):
		return math.NaN()
	case q < 0:
		return math.Inf(-1)
	case q > 1:
		return math.Inf(1)
	}
	n := len(h.Buckets)
	if n < 2 || !math.IsInf(h.Buckets[n-1].UpperBound, 1) {
		return math.NaN()
	}
	buckets := make([]Bucket, n)
	copy(buckets, h.Buckets)
	for i := 1; i < n; i++ {
		buckets[i].Count = math.Max(buckets[i].Count, buckets[i-1].Count)
	}
	observations := buckets[n-1].Count
	if observations <= 0 {
		return math.NaN()
	}
	rank := q * observations
	b := sort.Search(n-1, func(i int) bool { return buckets[i].Count >= rank })
	switch {
	case b == n-1:
		return buckets[n-2].UpperBound
	case b == 0 && buckets[0].UpperBound <= 0:
		return buckets[0].UpperBound
	}
	start, end, count := 0.0, buckets[b].UpperBound, buckets[b].Count
	if b > 0 {
		start = buckets[b-1].UpperBound
		count -= buckets[b-1].Count
		rank -= buckets[b-1].Count
	}
	return start + (end-start)*(rank/count)
}

// lowestBound is the upper bound of the lowest finite bucket: below it the histogram
// cannot tell values apart, since interpolation inside the first bucket starts from 0.
func (h *Histogram) lowestBound() float64 {
	for _, b := range h.Buckets {
		if !math.IsInf(b.UpperBound, 1) {
			return b.UpperBound
		}
	}
	return 0
}

// Mean estimates the mean of the observations from the buckets alone, so that both
// metric sources give the same figure (the Prometheus source asks for the buckets, not
// the sum): each observation is taken at the middle of its bucket, as Quantile spreads
// them evenly inside it, and one in the +Inf bucket at the highest finite bound. It
// returns NaN when Quantile would.
func (h *Histogram) Mean() float64 {
	n := len(h.Buckets)
	if n < 2 || !math.IsInf(h.Buckets[n-1].UpperBound, 1) {
		return math.NaN()
	}
	var sum, below, lower float64
	for i, b := range h.Buckets {
		count := math.Max(b.Count, below) // monotonic, as in Quantile
		at := (lower + b.UpperBound) / 2
		if i == n-1 {
			at = lower
		}
		sum += (count - below) * at
		below, lower = count, math.Max(0, b.UpperBound)
	}
	if below <= 0 {
		return math.NaN()
	}
	return sum / below
}
