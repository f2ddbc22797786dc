package advice

import (
	"strings"
	"testing"
	"time"
)

// The Poisson quantiles against R's qpois: qpois(0.99, c(0.5, 5, 12, 40)) is
// 3 11 21 55 and qpois(0.999, c(1, 10, 24, 80)) is 5 21 40 109; the cases of
// TestRecommend use qpois(0.99, 1.25) = 4, qpois(0.999, 2.5) = 9,
// qpois(0.99, 3.8) = 9 and qpois(0.999, 7.6) = 17.
func TestPoissonQuantile(t *testing.T) {
	for _, tc := range []struct {
		mean, p float64
		want    int32
	}{
		{0.5, 0.99, 3}, {5, 0.99, 11}, {12, 0.99, 21}, {40, 0.99, 55},
		{1, 0.999, 5}, {10, 0.999, 21}, {24, 0.999, 40}, {80, 0.999, 109},
		{1.25, 0.99, 4}, {2.5, 0.999, 9}, {3.8, 0.99, 9}, {7.6, 0.999, 17},
		{0, 0.99, 0},
	} {
		if got := poissonQuantile(tc.mean, tc.p); got != tc.want {
			t.Errorf("qpois(%v, %v) = %d, want %d", tc.p, tc.mean, got, tc.want)
		}
	}
}

func ptr(v int32) *int32 { return &v }

// TestRecommend: each case's numbers follow the formula of the package comment:
//
//	λ = acquires / window / pods            L = utilisation × (size + maxOverflow)
//	W = L / (λ × (1 − timeouts))            D = L / (1 − timeouts)
//	size = max(1, qpois(0.99, D))           size + overflow = max(size + 1, qpois(0.999, 2D))
//	saturated (utilisation ≥ 0.9 or timeouts > 0): size ≥ 2 × old size,
//	                                         overflow ≥ max(1, 2 × old overflow)
//	budget: (replicas + 1) × (size + overflow + 3) ≤ maxServerConnections, overflow cut
//	first (3: v1alpha1.ServerConnectionsOutsidePool, the probe's and the migrations')
func TestRecommend(t *testing.T) {
	healthy := Sample{Mode: "async", Pods: 2, Window: time.Minute, Acquires: 12000, Utilization: 0.1, Size: 20, MaxOverflow: 30}
	for _, tc := range []struct {
		name           string
		s              Sample
		b              Budget
		size, overflow int32
		hold           time.Duration
		saturated      bool
		capped         bool
	}{
		// λ = 12000/60/2 = 100/s; L = 0.1 × 50 = 5; W = 5/100 = 50ms; D = 5;
		// size = qpois(0.99, 5) = 11; total = qpois(0.999, 10) = 21 → 11+10.
		{"a pool of 20+30 using 5", healthy, Budget{Replicas: 2}, 11, 10, 50 * time.Millisecond, false, false},
		// L = 12/130 × 130 = 12; D = 12; size = qpois(0.99, 12) = 21; total =
		// qpois(0.999, 24) = 40 → 21+19: 130 connections per pod become 40.
		{"an oversized pool of 100+30 using 12",
			Sample{Mode: "async", Pods: 2, Window: time.Minute, Acquires: 12000, Utilization: 12.0 / 130, Size: 100, MaxOverflow: 30},
			Budget{Replicas: 2}, 21, 19, 120 * time.Millisecond, false, false},
		// Starving 1+0: λ = 6000/60/2 = 50/s; L = 1; timeouts 20 % → D = 1/0.8 =
		// 1.25; qpois(0.99, 1.25) = 4, qpois(0.999, 2.5) = 9; saturated, so size ≥ 2
		// and overflow ≥ 1: 4+5. W = 1 / (50 × 0.8) = 25ms.
		{"a starving pool of 1+0",
			Sample{Mode: "sync", Pods: 2, Window: time.Minute, Acquires: 6000, Utilization: 1, TimeoutRatio: 0.2, Size: 1, MaxOverflow: 0},
			Budget{Replicas: 2}, 4, 5, 25 * time.Millisecond, true, false},
		// Saturated without timeouts (utilisation 0.95 of 4+0 = 3.8): qpois(0.99,
		// 3.8) = 9 ≥ 2 × 4; qpois(0.999, 7.6) = 17 → 9+8.
		{"a full pool without timeouts",
			Sample{Mode: "async", Pods: 1, Window: time.Minute, Acquires: 6000, Utilization: 0.95, Size: 4, MaxOverflow: 0},
			Budget{Replicas: 1}, 9, 8, 38 * time.Millisecond, true, false},
		// The healthy 11+10 with 4 replicas in 80 connections: 5 pods × 16, 13 of
		// them in the pool; the overflow is cut to 13 − 11 = 2.
		{"capped by the budget, overflow first", healthy, Budget{Replicas: 4, MaxServerConnections: ptr(80)}, 11, 2, 50 * time.Millisecond, false, true},
		// In 40: 5 pods × 8, 5 in the pool; the size itself is cut to 5, no overflow.
		{"capped by the budget, size too", healthy, Budget{Replicas: 4, MaxServerConnections: ptr(40)}, 5, 0, 50 * time.Millisecond, false, true},
		// docs/rollouts.md's worked example: 21+19 with 2 replicas in 100 is cut to
		// 3 × (21 + o + 3) ≤ 100, o = 9.
		{"the worked example, capped",
			Sample{Mode: "async", Pods: 2, Window: time.Minute, Acquires: 12000, Utilization: 12.0 / 130, Size: 100, MaxOverflow: 30},
			Budget{Replicas: 2, MaxServerConnections: ptr(100)}, 21, 9, 120 * time.Millisecond, false, true},
		// 3 × (21 + 3) = 72 ≤ 72: fits exactly, not capped.
		{"exactly the budget", healthy, Budget{Replicas: 2, MaxServerConnections: ptr(72)}, 11, 10, 50 * time.Millisecond, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Recommend(tc.s, tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if a.Size != tc.size || a.MaxOverflow != tc.overflow || a.Saturated != tc.saturated || a.Capped != tc.capped {
				t.Errorf("advice %d+%d saturated %v capped %v, want %d+%d %v %v: %s",
					a.Size, a.MaxOverflow, a.Saturated, a.Capped, tc.size, tc.overflow, tc.saturated, tc.capped, a.Reason)
			}
			if d := a.HoldTime - tc.hold; d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("hold time %s, want %s", a.HoldTime, tc.hold)
			}
			if b := tc.b.MaxServerConnections; b != nil && int64(tc.b.Replicas+1)*int64(a.Size+a.MaxOverflow+3) > int64(*b) {
				t.Errorf("%d+%d breaks the budget %d with %d replicas and a surge pod", a.Size, a.MaxOverflow, *b, tc.b.Replicas)
			}
			for _, part := range []string{tc.s.Mode, "Little's law", "acquires of"} {
				if !strings.Contains(a.Reason, part) {
					t.Errorf("reason %q does not say %q", a.Reason, part)
				}
			}
		})
	}
}

// No advice from too little data, or from a budget that cannot hold the pods.
func TestNoAdvice(t *testing.T) {
	ok := Sample{Mode: "async", Pods: 2, Window: time.Minute, Acquires: 12000, Utilization: 0.1, Size: 20, MaxOverflow: 30}
	for name, tc := range map[string]struct {
		mutate func(*Sample)
		b      Budget
		want   string
	}{
		"too few acquires": {func(s *Sample) { s.Acquires = 199 }, Budget{Replicas: 2}, "fewer than the 200"},
		"too short":        {func(s *Sample) { s.Window = 29 * time.Second }, Budget{Replicas: 2}, "shorter than 30s"},
		"no pods":          {func(s *Sample) { s.Pods = 0 }, Budget{Replicas: 2}, "no pods"},
		"bad utilisation":  {func(s *Sample) { s.Utilization = 1.5 }, Budget{Replicas: 2}, "outside [0, 1]"},
		"budget too small": {func(*Sample) {}, Budget{Replicas: 4, MaxServerConnections: ptr(15)}, "cannot give 5 pods"},
	} {
		t.Run(name, func(t *testing.T) {
			s := ok
			tc.mutate(&s)
			if a, err := Recommend(s, tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("advice %+v, error %v; want an error saying %q", a, err, tc.want)
			}
		})
	}
}

func TestMaterial(t *testing.T) {
	base := Advice{Mode: "async", Size: 20, MaxOverflow: 10}
	for _, tc := range []struct {
		next Advice
		want bool
	}{
		{Advice{Mode: "async", Size: 21, MaxOverflow: 10}, false}, // 1 of 21: noise
		{Advice{Mode: "async", Size: 15, MaxOverflow: 10}, true},  // 5 of 20
		{Advice{Mode: "async", Size: 20, MaxOverflow: 14}, true},  // 4 of 14
		{Advice{Mode: "sync", Size: 20, MaxOverflow: 10}, true},
	} {
		if got := Material(base, tc.next); got != tc.want {
			t.Errorf("%+v → %+v: material %v, want %v", base, tc.next, got, tc.want)
		}
	}
}
