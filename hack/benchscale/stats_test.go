package main

import (
	"math"
	"testing"
	"time"
)

func TestBucketQuantile(t *testing.T) {
	// 100 observations: 50 ≤ 0.01, 40 in (0.01, 0.1], 9 in (0.1, 1], 1 above 1. Expected
	// values by histogram_quantile's linear interpolation, worked by hand:
	// q=0.5: rank 50 → end of the first bucket, 0.01;
	// q=0.7: rank 70 → 0.01 + 0.09 × (70−50)/40 = 0.055;
	// q=0.99: rank 99 → 0.1 + 0.9 × (99−90)/9 = 1;
	// q=0.999: rank 99.9 → in +Inf → the highest finite bound, 1.
	bs := []bucket{{0.01, 50}, {0.1, 90}, {1, 99}, {math.Inf(1), 100}}
	for _, tt := range []struct{ q, want float64 }{{0.5, 0.01}, {0.7, 0.055}, {0.99, 1}, {0.999, 1}, {0.25, 0.005}} {
		if got := bucketQuantile(tt.q, bs); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("q%v = %v, want %v", tt.q, got, tt.want)
		}
	}
	if got := bucketQuantile(0.5, []bucket{{1, 0}, {math.Inf(1), 0}}); !math.IsNaN(got) {
		t.Errorf("empty histogram: %v, want NaN", got)
	}
}

func TestLinearFit(t *testing.T) {
	// Points on y = 30 + 0.05x exactly, then a textbook set: x 1..5, y 2,4,5,4,5 gives
	// slope 0.6 and intercept 2.2 (sxy − n·x̄·ȳ = 6, sxx − n·x̄² = 10).
	a, b, err := linearFit([]float64{100, 300, 1000}, []float64{35, 45, 80})
	if err != nil || math.Abs(a-30) > 1e-9 || math.Abs(b-0.05) > 1e-12 {
		t.Errorf("exact line: %v + %v·x (%v), want 30 + 0.05·x", a, b, err)
	}
	a, b, err = linearFit([]float64{1, 2, 3, 4, 5}, []float64{2, 4, 5, 4, 5})
	if err != nil || math.Abs(a-2.2) > 1e-9 || math.Abs(b-0.6) > 1e-9 {
		t.Errorf("textbook set: %v + %v·x (%v), want 2.2 + 0.6·x", a, b, err)
	}
	if _, _, err := linearFit([]float64{1, 1}, []float64{2, 3}); err == nil {
		t.Error("a fit over one x was accepted")
	}
}

func TestAnalysisLateness(t *testing.T) {
	at := func(s float64) time.Time { return time.Unix(1000, 0).Add(time.Duration(s * float64(time.Second))) }
	const interval = 5 * time.Second
	// An analysis before any step start is not judged; step 0 starts at 1 (its baseline),
	// analyses at 6.2 and 10.9; step 1 starts at 12.5, its analysis at 17.3.
	events := []rolloutEvent{
		{at: at(0)},
		{at: at(1), stepStart: true}, {at: at(6.2)}, {at: at(10.9)},
		{at: at(12.5), stepStart: true}, {at: at(17.3)},
	}
	got := analysisLateness(events, interval)
	want := []time.Duration{200 * time.Millisecond, -300 * time.Millisecond, -200 * time.Millisecond}
	if len(got) != len(want) {
		t.Fatalf("lateness %v, want %v", got, want)
	}
	for i := range want {
		if d := got[i] - want[i]; d > time.Microsecond || d < -time.Microsecond {
			t.Errorf("lateness %v, want %v", got, want)
		}
	}
}

func TestDurationQuantile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	if got := durationQuantile(0.5, ds); got != 5 {
		t.Errorf("p50 %v, want 5 (nearest rank 5 of 10)", got)
	}
	if got := durationQuantile(0.99, ds); got != 10 {
		t.Errorf("p99 %v, want 10", got)
	}
}
