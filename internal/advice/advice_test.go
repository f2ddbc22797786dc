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

// TestRecommend: each case's numbers follow the formula of the package comment, the
// Poisson quantiles from R (qpois(0.999, c(10, 20, 24, 48, 42.5, 85, 2.5, 5, 11.6,
// 23.2, 0.068, 0.136, 11.37, 22.74)) is 21 35 40 71 64 115 9 13 23 39 2 2 23 39):
//
//	λ = acquires / window / pods            L = utilisation × (size + maxOverflow)
//	W = L / (λ × (1 − timeouts))            D = L / (1 − timeouts)
//	saturated (utilisation ≥ 0.9, timeouts > 0 or mean wait ≥ W): D += λ × mean wait
//	warm(m) = qpois(0.999, m) + 1           (P(Poisson(m) ≥ warm(m)) ≤ 0.001)
//	size = max(2, warm(2D))                 size + overflow = max(size + 1, warm(4D))
//	saturated: size ≥ 2 × old size, overflow ≥ max(1, 2 × old overflow)
//	budget: (replicas + 1) × (size + overflow + 3) ≤ maxServerConnections, overflow cut
//	first (3: v1alpha1.ServerConnectionsOutsidePool, the probe's and the migrations')
func TestRecommend(t *testing.T) {
	healthy := Sample{Mode: "async", Pods: 2, Window: time.Minute, Acquires: 12000, Utilization: 0.1, Size: 20, MaxOverflow: 30}
	oversized := Sample{Mode: "async", Pods: 2, Window: time.Minute, Acquires: 12000, Utilization: 12.0 / 130, Size: 100, MaxOverflow: 30}
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
		// size = warm(10) = 22; total = warm(20) = 36 → 22+14.
		{"a pool of 20+30 using 5", healthy, Budget{Replicas: 2}, 22, 14, 50 * time.Millisecond, false, false},
		// L = 12/130 × 130 = 12; D = 12; size = warm(24) = 41; total = warm(48) = 72
		// → 41+31: 130 connections per pod become 72.
		{"an oversized pool of 100+30 using 12", oversized, Budget{Replicas: 2}, 41, 31, 120 * time.Millisecond, false, false},
		// The local cluster's oversized pool: 100+0 at λ 20/s per pod holding each
		// connection 1.7ms, L = D = 0.034; warm(0.068) = 3, warm(0.136) = 3 → 3+1
		// (the size of 1 a Poisson quantile at 0.99 gave left 3 % of acquires to
		// open a connection).
		{"an oversized pool of 100+0 using 0.034",
			Sample{Mode: "sync", Pods: 2, Window: time.Minute, Acquires: 2400, Utilization: 0.034 / 100, Size: 100, MaxOverflow: 0},
			Budget{Replicas: 2}, 3, 1, 1700 * time.Microsecond, false, false},
		// Nothing in use: the floor, 2 and one more.
		{"an idle pool", Sample{Mode: "sync", Pods: 1, Window: time.Minute, Acquires: 600, Utilization: 0, Size: 10, MaxOverflow: 10},
			Budget{Replicas: 1}, 2, 1, 0, false, false},
		// Starving 1+0: λ = 6000/60/2 = 50/s; L = 1; timeouts 20 % → 1/0.8 = 1.25;
		// W = 1 / (50 × 0.8) = 25ms; 50/s × 400ms mean wait = 20 waiting, so D =
		// 21.25; size = warm(42.5) = 65, total = warm(85) = 116 → 65+51.
		{"a starving pool of 1+0",
			Sample{Mode: "sync", Pods: 2, Window: time.Minute, Acquires: 6000, Utilization: 1, TimeoutRatio: 0.2, Size: 1, MaxOverflow: 0,
				MeanWait: 400 * time.Millisecond, MeanWaitKnown: true},
			Budget{Replicas: 2}, 65, 51, 25 * time.Millisecond, true, false},
		// The same without a known wait: D = 1.25, warm(2.5) = 10, warm(5) = 14.
		{"a starving pool of 1+0, its waits unknown",
			Sample{Mode: "sync", Pods: 2, Window: time.Minute, Acquires: 6000, Utilization: 1, TimeoutRatio: 0.2, Size: 1, MaxOverflow: 0},
			Budget{Replicas: 2}, 10, 4, 25 * time.Millisecond, true, false},
		// Saturated without timeouts (utilisation 0.95 of 4+0 = 3.8, λ 100/s, 20ms
		// mean wait: 2 waiting): D = 5.8, warm(11.6) = 24, warm(23.2) = 40 → 24+16.
		{"a full pool without timeouts",
			Sample{Mode: "async", Pods: 1, Window: time.Minute, Acquires: 6000, Utilization: 0.95, Size: 4, MaxOverflow: 0,
				MeanWait: 20 * time.Millisecond, MeanWaitKnown: true},
			Budget{Replicas: 1}, 24, 16, 38 * time.Millisecond, true, false},
		// The starving pool of the local cluster: 78 % of 1+0 in use, 0.3 % timeouts
		// left out so that only the queue tells: λ = 1350/30 = 45/s, L = 0.78, W =
		// 17.3ms, the mean wait of 109ms is longer than W, so it queues; 45/s × 109ms
		// = 4.905 waiting, D = 5.685, warm(11.37) = 24, warm(22.74) = 40 → 24+16.
		{"a pool that queues below 90 % in use",
			Sample{Mode: "sync", Pods: 1, Window: 30 * time.Second, Acquires: 1350, Utilization: 0.78, Size: 1, MaxOverflow: 0,
				MeanWait: 109 * time.Millisecond, MeanWaitKnown: true},
			Budget{Replicas: 2}, 24, 16, 17333 * time.Microsecond, true, false},
		// Waits shorter than the hold time are no queue: 20+30 using 5 with a mean
		// wait of 1ms (W = 50ms) advises as without it.
		{"short waits are no queue",
			Sample{Mode: "async", Pods: 2, Window: time.Minute, Acquires: 12000, Utilization: 0.1, Size: 20, MaxOverflow: 30,
				MeanWait: time.Millisecond, MeanWaitKnown: true},
			Budget{Replicas: 2}, 22, 14, 50 * time.Millisecond, false, false},
		// A window a scrape's jitter short of 30s counts.
		{"a window of 29.5s", Sample{Mode: "async", Pods: 2, Window: 29500 * time.Millisecond, Acquires: 5900, Utilization: 0.1, Size: 20, MaxOverflow: 30},
			Budget{Replicas: 2}, 22, 14, 50 * time.Millisecond, false, false},
		// The healthy 22+14 with 4 replicas in 150: 5 pods × 30, 27 of them in the
		// pool; the overflow is cut to 27 − 22 = 5.
		{"capped by the budget, overflow first", healthy, Budget{Replicas: 4, MaxServerConnections: ptr(150)}, 22, 5, 50 * time.Millisecond, false, true},
		// In 40: 5 pods × 8, 5 in the pool; the size itself is cut to 5, no overflow.
		{"capped by the budget, size too", healthy, Budget{Replicas: 4, MaxServerConnections: ptr(40)}, 5, 0, 50 * time.Millisecond, false, true},
		// docs/rollouts.md's worked example: 41+31 with 2 replicas in 200 is cut to
		// 3 × (41 + o + 3) ≤ 200, o = 22.
		{"the worked example, capped", oversized, Budget{Replicas: 2, MaxServerConnections: ptr(200)}, 41, 22, 120 * time.Millisecond, false, true},
		// 3 × (36 + 3) = 117 ≤ 117: fits exactly, not capped.
		{"exactly the budget", healthy, Budget{Replicas: 2, MaxServerConnections: ptr(117)}, 22, 14, 50 * time.Millisecond, false, false},
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
		"too short":        {func(s *Sample) { s.Window = 28 * time.Second }, Budget{Replicas: 2}, "shorter than 30s"},
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
