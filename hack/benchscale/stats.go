package main

import (
	"errors"
	"math"
	"slices"
	"sort"
	"time"
)

// bucket is one cumulative histogram bucket: the count of observations ≤ upper.
type bucket struct {
	upper float64
	count float64
}

// bucketQuantile is the q-quantile of a cumulative histogram, interpolated linearly within
// the bucket it falls in, as PromQL's histogram_quantile does: the lowest bucket starts at
// 0, and a quantile in the +Inf bucket is the highest finite bound. NaN when empty.
func bucketQuantile(q float64, buckets []bucket) float64 {
	bs := slices.Clone(buckets)
	sort.Slice(bs, func(i, j int) bool { return bs[i].upper < bs[j].upper })
	if len(bs) == 0 || bs[len(bs)-1].count <= 0 {
		return math.NaN()
	}
	total := bs[len(bs)-1].count
	rank := q * total
	i := sort.Search(len(bs), func(i int) bool { return bs[i].count >= rank })
	if math.IsInf(bs[i].upper, 1) {
		if i == 0 {
			return math.NaN()
		}
		return bs[i-1].upper
	}
	lower, below := 0.0, 0.0
	if i > 0 {
		lower, below = bs[i-1].upper, bs[i-1].count
	}
	inBucket := bs[i].count - below
	if inBucket <= 0 {
		return bs[i].upper
	}
	return lower + (bs[i].upper-lower)*(rank-below)/inBucket
}

// linearFit is the least-squares line y = intercept + slope·x through the points.
func linearFit(xs, ys []float64) (intercept, slope float64, err error) {
	if len(xs) != len(ys) || len(xs) < 2 {
		return 0, 0, errors.New("a fit needs at least two points")
	}
	n := float64(len(xs))
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0, 0, errors.New("a fit needs at least two different x")
	}
	slope = (n*sxy - sx*sy) / d
	return (sy - slope*sx) / n, slope, nil
}

// durationQuantile is the q-quantile of ds by the nearest-rank method (0 when empty).
func durationQuantile(q float64, ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(math.Ceil(q*float64(len(s)))) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

// rolloutEvent is a change of one instance's status as the benchmark saw it: a step
// starting (status.stepStartTime set), or an analysis recorded (status.lastAnalysis).
type rolloutEvent struct {
	at        time.Time
	stepStart bool
	// what describes the change for the log of late analyses.
	what string
}

// analysisLateness is how late each recorded analysis of one instance was. A step's
// start takes the scraping source's baseline, so its first analysis is due one interval
// after the start, and each later one an interval after the one before. Both ends are
// times the benchmark saw the status change, so the watch's delay cancels out; negative
// values are analyses taken early, which the source accepts by up to a second (status
// keeps its times to the second). An analysis with no step start seen before it is
// skipped.
func analysisLateness(events []rolloutEvent, interval time.Duration) []time.Duration {
	var out []time.Duration
	var ref time.Time
	for _, e := range events {
		if e.stepStart {
			ref = e.at
			continue
		}
		if !ref.IsZero() {
			out = append(out, e.at.Sub(ref.Add(interval)))
		}
		ref = e.at
	}
	return out
}
