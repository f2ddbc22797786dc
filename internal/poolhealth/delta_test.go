package poolhealth

import (
	"math"
	"strings"
	"testing"
	"time"
)

func ptr(v float64) *float64 { return &v }

var posInf = math.Inf(1)

func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestDiffOfTwoCaptures(t *testing.T) {
	prev := readSample(t, "metrics-2.txt", t0)
	cur := readSample(t, "metrics-3.txt", t0.Add(30*time.Second))

	d, err := Diff(prev, cur)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if d.Pods != 1 || d.Window != 30*time.Second || d.Resets != 0 {
		t.Errorf("pods %d window %s resets %d, want 1, 30s, 0", d.Pods, d.Window, d.Resets)
	}
	if d.Acquires["success"] != 80 || d.Acquires["timeout"] != 16 || d.Acquires["error"] != 0 {
		t.Errorf("Acquires = %v, want success 171-91 = 80 and timeout 16", d.Acquires)
	}
	if d.Requests.Total != 181 || d.Requests.ServerErrors != 14 {
		t.Errorf("Requests = %+v, want 333-152 = 181 and 14", *d.Requests)
	}
	if !approx(*d.AcquiredSeconds, 8.513953574-4.2453999289999995) {
		t.Errorf("AcquiredSeconds = %v, want 4.2685536", *d.AcquiredSeconds)
	}
	if *d.CapacitySeconds != 30*3 {
		t.Errorf("CapacitySeconds = %v, want 30s × 3 = 90", *d.CapacitySeconds)
	}
	wantBuckets := []float64{61, 64, 64, 64, 64, 69, 71, 74, 76, 77, 79, 95, 96, 96, 96, 96, 96, 96, 96, 96, 96}
	for i, b := range d.AcquireWait.Buckets {
		if b.Count != wantBuckets[i] {
			t.Errorf("bucket le=%v count %v, want %v", b.UpperBound, b.Count, wantBuckets[i])
		}
	}
	if d.Modes["sync"] != 1 || len(d.Modes) != 1 {
		t.Errorf("Modes = %v, want sync:1", d.Modes)
	}
	// Diff must not alias its inputs: the baseline is reused for the next window.
	if prev.AcquireWait.Buckets[0].Count != 88 || cur.AcquireWait.Buckets[0].Count != 149 {
		t.Errorf("Diff modified its inputs")
	}
}

func TestDiffCountsANewLabelFromZero(t *testing.T) {
	prev := Sample{Time: t0, Acquires: map[string]float64{"success": 10}}
	cur := Sample{Time: t0.Add(time.Second), Acquires: map[string]float64{"success": 15, "timeout": 2}}
	d, err := Diff(prev, cur)
	if err != nil {
		t.Fatal(err)
	}
	if d.Resets != 0 || d.Acquires["success"] != 5 || d.Acquires["timeout"] != 2 {
		t.Errorf("delta %+v, want success 5 and timeout 2 without a reset", d)
	}
}

func TestDiffAfterRestartCountsFromZero(t *testing.T) {
	prev := readSample(t, "metrics-3.txt", t0)
	cur := readSample(t, "metrics-restarted.txt", t0.Add(30*time.Second))

	d, err := Diff(prev, cur)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if d.Resets != 1 {
		t.Errorf("Resets = %d, want 1", d.Resets)
	}
	if d.Acquires["success"] != 16 || d.Acquires["timeout"] != 0 {
		t.Errorf("Acquires = %v, want the restarted process's success 16, timeout 0", d.Acquires)
	}
	if d.Requests.Total != 25 || *d.AcquiredSeconds != 0.750739094 || d.AcquireWait.Count != 16 {
		t.Errorf("requests %v acquired %v histogram count %v, want the restarted process's totals 25, 0.750739094, 16",
			d.Requests.Total, *d.AcquiredSeconds, d.AcquireWait.Count)
	}
}

func TestRestartDetection(t *testing.T) {
	hist := func(counts ...float64) *Histogram {
		h := &Histogram{Count: counts[len(counts)-1]}
		for i, c := range counts {
			ub := float64(i + 1)
			if i == len(counts)-1 {
				ub = math.Inf(1)
			}
			h.Buckets = append(h.Buckets, Bucket{UpperBound: ub, Count: c})
		}
		return h
	}
	tests := []struct {
		name      string
		prev, cur Sample
		want      bool
	}{
		{"counters grew", Sample{Acquires: map[string]float64{"success": 5}}, Sample{Acquires: map[string]float64{"success": 6}}, false},
		{"acquire counter went down", Sample{Acquires: map[string]float64{"success": 5}}, Sample{Acquires: map[string]float64{"success": 4}}, true},
		{"labelled counter disappeared", Sample{Acquires: map[string]float64{"timeout": 1}}, Sample{Acquires: map[string]float64{"success": 9}}, true},
		{"bucket went down", Sample{AcquireWait: hist(3, 5)}, Sample{AcquireWait: hist(2, 6)}, true},
		{"bucket bounds changed", Sample{AcquireWait: hist(3, 5)}, Sample{AcquireWait: hist(3, 5, 7)}, true},
		{"requests went down", Sample{Requests: &RequestCounts{Total: 9}}, Sample{Requests: &RequestCounts{Total: 8}}, true},
		{"acquired seconds went down", Sample{AcquiredSeconds: ptr(9)}, Sample{AcquiredSeconds: ptr(1)}, true},
		{"metric newly exported", Sample{}, Sample{AcquiredSeconds: ptr(1)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := restarted(tt.prev, tt.cur); got != tt.want {
				t.Errorf("restarted = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDiffRefusesSamplesOutOfOrder(t *testing.T) {
	s := Sample{Time: t0}
	for _, cur := range []Sample{{Time: t0}, {Time: t0.Add(-time.Second)}} {
		if _, err := Diff(s, cur); err == nil || !strings.Contains(err.Error(), "out of order") {
			t.Errorf("Diff(%v → %v) err = %v, want out of order", s.Time, cur.Time, err)
		}
	}
}

func TestAggregate(t *testing.T) {
	bounds := func(c1, c2 float64) *Histogram {
		return &Histogram{Count: c2, Buckets: []Bucket{{0.01, c1}, {math.Inf(1), c2}}}
	}
	a := Delta{Pods: 1, Window: 30 * time.Second, Acquires: map[string]float64{"success": 10}, AcquireWait: bounds(8, 10),
		Requests: &RequestCounts{Total: 20, ServerErrors: 1}, AcquiredSeconds: ptr(15), CapacitySeconds: ptr(300), Modes: map[string]int{"async": 1}}
	b := Delta{Pods: 1, Window: 31 * time.Second, Acquires: map[string]float64{"success": 5, "timeout": 1}, AcquireWait: bounds(4, 6),
		Requests: &RequestCounts{Total: 10}, AcquiredSeconds: ptr(5), CapacitySeconds: ptr(310), Modes: map[string]int{"async": 1}, Resets: 1,
		Gaps: []string{"pod b: something"}}

	t.Run("sums counters and merges buckets", func(t *testing.T) {
		got := Aggregate(a, b)
		if got.Pods != 2 || got.Window != 31*time.Second || got.Resets != 1 || len(got.Gaps) != 1 {
			t.Errorf("pods %d window %s resets %d gaps %v", got.Pods, got.Window, got.Resets, got.Gaps)
		}
		if got.Acquires["success"] != 15 || got.Acquires["timeout"] != 1 {
			t.Errorf("Acquires = %v", got.Acquires)
		}
		if got.AcquireWait.Count != 16 || got.AcquireWait.Buckets[0].Count != 12 || got.AcquireWait.Buckets[1].Count != 16 {
			t.Errorf("AcquireWait = %+v, want buckets 12 and 16", got.AcquireWait)
		}
		if got.Requests.Total != 30 || got.Requests.ServerErrors != 1 || *got.AcquiredSeconds != 20 || *got.CapacitySeconds != 610 {
			t.Errorf("requests %+v acquired %v capacity %v", *got.Requests, *got.AcquiredSeconds, *got.CapacitySeconds)
		}
		if got.Modes["async"] != 2 {
			t.Errorf("Modes = %v", got.Modes)
		}
		if a.AcquireWait.Buckets[0].Count != 8 {
			t.Error("Aggregate modified its input")
		}
	})

	t.Run("a metric missing from one pod is missing from the sum", func(t *testing.T) {
		c := b
		c.AcquiredSeconds = nil
		c.Acquires = nil
		c.AcquireWait = nil
		got := Aggregate(a, c)
		if got.AcquiredSeconds != nil || got.Acquires != nil || got.AcquireWait != nil {
			t.Errorf("want nil sums, got acquired %v acquires %v wait %v", got.AcquiredSeconds, got.Acquires, got.AcquireWait)
		}
		if got.Requests == nil || got.Requests.Total != 30 {
			t.Errorf("Requests = %+v, want the complete sum 30", got.Requests)
		}
	})

	t.Run("different bucket bounds cannot be merged", func(t *testing.T) {
		c := b
		c.AcquireWait = &Histogram{Count: 6, Buckets: []Bucket{{0.02, 4}, {math.Inf(1), 6}}}
		if got := Aggregate(a, c); got.AcquireWait != nil {
			t.Errorf("AcquireWait = %+v, want nil", got.AcquireWait)
		}
	})

	t.Run("nothing to aggregate", func(t *testing.T) {
		got := Aggregate()
		if got.Pods != 0 || got.Acquires != nil || got.Requests != nil {
			t.Errorf("got %+v, want an empty delta", got)
		}
	})
}
