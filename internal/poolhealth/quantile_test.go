package poolhealth

import (
	"math"
	"testing"
)

func TestQuantile(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name    string
		q       float64
		buckets []Bucket
		want    float64
	}{
		{"interpolates inside the bucket", 0.99, []Bucket{{0.025, 1188}, {0.05, 1200}, {inf, 1202}}, 0.025 + 0.025*(0.99*1202-1188)/12},
		{"lowest bucket starts at zero", 0.5, []Bucket{{0.1, 10}, {0.2, 10}, {inf, 10}}, 0.05},
		{"rank in the +Inf bucket returns the highest finite bound", 0.99, []Bucket{{0.1, 50}, {1, 90}, {inf, 100}}, 1},
		{"non-positive lowest bound is returned as is", 0.1, []Bucket{{-1, 5}, {0, 8}, {inf, 10}}, -1},
		{"non-monotonic counts are forced monotonic", 0.75, []Bucket{{1, 4}, {2, 3}, {3, 8}, {inf, 8}}, 2.5},
		{"median of a uniform spread", 0.5, []Bucket{{1, 25}, {2, 50}, {3, 75}, {4, 100}, {inf, 100}}, 2},
		{"no +Inf bucket", 0.5, []Bucket{{1, 4}, {2, 8}}, math.NaN()},
		{"no observations", 0.5, []Bucket{{1, 0}, {inf, 0}}, math.NaN()},
		{"a single bucket", 0.5, []Bucket{{inf, 3}}, math.NaN()},
		{"q below 0", -0.1, []Bucket{{1, 1}, {inf, 1}}, math.Inf(-1)},
		{"q above 1", 1.1, []Bucket{{1, 1}, {inf, 1}}, inf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &Histogram{Buckets: tt.buckets}
			got := h.Quantile(tt.q)
			if math.IsNaN(tt.want) {
				if !math.IsNaN(got) {
					t.Errorf("Quantile(%v) = %v, want NaN", tt.q, got)
				}
				return
			}
			if !(got == tt.want || approx(got, tt.want)) {
				t.Errorf("Quantile(%v) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

func TestQuantileLeavesBucketsAlone(t *testing.T) {
	h := &Histogram{Buckets: []Bucket{{1, 4}, {2, 3}, {math.Inf(1), 8}}}
	h.Quantile(0.5)
	if h.Buckets[1].Count != 3 {
		t.Errorf("Quantile rewrote the histogram's buckets: %+v", h.Buckets)
	}
}

// TestMean: each observation at the middle of its bucket (the +Inf bucket's at the
// highest finite bound), counted by hand.
func TestMean(t *testing.T) {
	inf := math.Inf(1)
	for _, tt := range []struct {
		name    string
		buckets []Bucket
		want    float64
	}{
		// 10 at 0.05, 30 at 0.15, 10 at 0.2: (0.5 + 4.5 + 2) / 50.
		{"midpoints, +Inf at the highest bound", []Bucket{{0.1, 10}, {0.2, 40}, {inf, 50}}, 7.0 / 50},
		// The acquire-wait buckets of a 1+0 pool with a 1s timeout: 60 at 0.05ms,
		// 30 at 75ms (0.05–0.1s), 10 at 750ms (0.5–1s): (0.003 + 2.25 + 7.5) / 100.
		{"a queueing pool", []Bucket{{0.0001, 60}, {0.05, 60}, {0.1, 90}, {0.5, 90}, {1, 100}, {inf, 100}}, 9.753 / 100},
		// Counts forced monotonic as in Quantile: 4 at 0.5, 4 at 2.5.
		{"non-monotonic counts", []Bucket{{1, 4}, {2, 3}, {3, 8}, {inf, 8}}, 12.0 / 8},
		{"no observations", []Bucket{{1, 0}, {inf, 0}}, math.NaN()},
		{"no +Inf bucket", []Bucket{{1, 4}, {2, 8}}, math.NaN()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := (&Histogram{Buckets: tt.buckets}).Mean()
			if math.IsNaN(tt.want) != math.IsNaN(got) || !math.IsNaN(got) && !approx(got, tt.want) {
				t.Errorf("Mean() = %v, want %v", got, tt.want)
			}
		})
	}
}
