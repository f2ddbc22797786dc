package poolstats

import (
	"math"
	"sync"
	"time"
)

// Durations are kept in log-scale buckets: bucket 0 holds everything up to bucketBase,
// bucket i (i ≥ 1) holds (bucketBase·growth^(i-1), bucketBase·growth^i]. With growth 1.2
// a quantile read from the buckets is within 20 % of the true value, plenty for health
// decisions, and 110 buckets reach from 1 µs to over two minutes.
const (
	bucketBase  = time.Microsecond
	growth      = 1.2
	bucketCount = 110
)

// bucketUpper is the upper bound of bucket i.
func bucketUpper(i int) time.Duration {
	return time.Duration(float64(bucketBase) * math.Pow(growth, float64(i)))
}

func bucketOf(d time.Duration) int {
	if d <= bucketBase {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(d)/float64(bucketBase)) / math.Log(growth)))
	return min(i, bucketCount-1)
}

// markKinds is how many kinds of event a window counts beside durations (the acquire
// results, or failed round trips).
const markKinds = 4

// window holds the observations of the last span seconds in per-second slots, so that
// /monitoring/database reports how the pool is doing now rather than since the start.
type window struct {
	mu    sync.Mutex
	now   func() time.Time
	slots []slot
}

type slot struct {
	second  int64 // Unix second this slot holds; stale slots are reset on reuse
	count   uint64
	buckets [bucketCount]uint32
	marks   [markKinds]uint64
}

func newWindow(span time.Duration, now func() time.Time) *window {
	return &window{now: now, slots: make([]slot, int(span/time.Second))}
}

// observe records one duration and, when mark ≥ 0, one event of that kind.
func (w *window) observe(d time.Duration, mark int) {
	sec := w.now().Unix()
	w.mu.Lock()
	s := &w.slots[sec%int64(len(w.slots))]
	if s.second != sec {
		*s = slot{second: sec}
	}
	s.count++
	s.buckets[bucketOf(d)]++
	if mark >= 0 {
		s.marks[mark]++
	}
	w.mu.Unlock()
}

// windowSummary is what a window saw within its span.
type windowSummary struct {
	count   uint64
	marks   [markKinds]uint64
	buckets [bucketCount]uint64
}

func (w *window) summary() windowSummary {
	var out windowSummary
	now := w.now().Unix()
	oldest := now - int64(len(w.slots)) + 1
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := range w.slots {
		s := &w.slots[i]
		if s.second < oldest || s.second > now || s.count == 0 {
			continue
		}
		out.count += s.count
		for k := range s.marks {
			out.marks[k] += s.marks[k]
		}
		for b, n := range s.buckets {
			out.buckets[b] += uint64(n)
		}
	}
	return out
}

// quantile returns the q-quantile (0 < q ≤ 1) of the durations, as the upper bound of
// the bucket that holds it, or 0 when nothing was observed.
func (s windowSummary) quantile(q float64) time.Duration {
	if s.count == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(s.count)))
	var seen uint64
	for i, n := range s.buckets {
		seen += n
		if seen >= rank {
			return bucketUpper(i)
		}
	}
	return bucketUpper(bucketCount - 1)
}
