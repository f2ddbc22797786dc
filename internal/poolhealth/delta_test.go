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
	prev := readSample(t, "metrics-1.txt", t0)
	cur := readSample(t, "metrics-2.txt", t0.Add(30*time.Second))

	d, err := Diff(prev, cur)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if d.Pods != 1 || d.Window != 30*time.Second || d.Resets != 0 {
		t.Errorf("pods %d window %s resets %d, want 1, 30s, 0", d.Pods, d.Window, d.Resets)
	}
	if d.Acquires["success"] != 1200 || d.Acquires["timeout"] != 2 {
		t.Errorf("Acquires = %v, want success 1200 and timeout 2 (a label new since the first sample counts from 0)", d.Acquires)
	}
	if d.Requests.Total != 1206 || d.Requests.ServerErrors != 3 {
		t.Errorf("Requests = %+v, want 1206 and 3", *d.Requests)
	}
	if *d.AcquiredSeconds != 300 {
		t.Errorf("AcquiredSeconds = %v, want 300", *d.AcquiredSeconds)
	}
	if *d.CapacitySeconds != 30*50 {
		t.Errorf("CapacitySeconds = %v, want 30s × 50 = 1500", *d.CapacitySeconds)
	}
	wantBuckets := []float64{192, 504, 1188, 1188, 1188, 1188, 1200, 1200, 1200, 1200, 1200, 1200, 1200, 1200, 1202, 1202}
	for i, b := range d.AcquireWait.Buckets {
		if b.Count != wantBuckets[i] {
			t.Errorf("bucket le=%v count %v, want %v", b.UpperBound, b.Count, wantBuckets[i])
		}
	}
	if d.Modes["async"] != 1 || len(d.Modes) != 1 {
		t.Errorf("Modes = %v, want async:1", d.Modes)
	}
	// Diff must not alias its inputs: the baseline is reused for the next window.
	if prev.AcquireWait.Buckets[0].Count != 64 || cur.AcquireWait.Buckets[0].Count != 256 {
		t.Errorf("Diff modified its inputs")
	}
}

func TestDiffAfterRestartCountsFromZero(t *testing.T) {
	prev := readSample(t, "metrics-2.txt", t0)
	cur := readSample(t, "metrics-restarted.txt", t0.Add(30*time.Second))

	d, err := Diff(prev, cur)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if d.Resets != 1 {
		t.Errorf("Resets = %d, want 1", d.Resets)
	}
	if d.Acquires["success"] != 100 || len(d.Acquires) != 1 {
		t.Errorf("Acquires = %v, want success 100 only", d.Acquires)
	}
	if d.Requests.Total != 103 || *d.AcquiredSeconds != 12 || d.AcquireWait.Count != 100 {
		t.Errorf("requests %v acquired %v histogram count %v, want the restarted pod's totals 103, 12, 100",
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
