package judge

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// regression is a canary that is worse from its first second, under the steady
// e2e load, in a rollout of two compared steps (25 % and 50 % of four pods, one
// minute each, looked at every second, analysed every 30 seconds).
func regression(canary load) rollout {
	healthy := load{waits: healthyWaits, timeoutRate: 0.002, errorRate: 0.001, usage: 0.3}
	return rollout{replicas: 4, weights: []int{25, 50}, pause: 60, interval: 30, total: 40,
		canary: func(int, int) load { return canary }, stable: func(int, int) load { return healthy }}
}

// detect runs n rollouts and returns the share failed and the seconds into the
// first step at which the failures were decided (a failure in a later step counts
// the earlier steps' pauses).
func detect(t *testing.T, r rollout, n int) (float64, []int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	var seconds []int
	for range n {
		o := r.run(rng, defaults())
		if o.failed {
			seconds = append(seconds, o.step*r.pause+o.at)
		}
	}
	slices.Sort(seconds)
	return float64(len(seconds)) / float64(n), seconds
}

// TestStarvingPoolFailsWithinSeconds: a pool too small for its load (most acquires
// queue, 5 % time out) is failed by the sequential tests in the first seconds of
// the first step, long before the 30-second analysis: every one of 500 simulated
// rollouts within 5 looks, and 95 % of them within 3 (the rank test needs
// minAcquires waits of the canary pod first, two seconds at 10 requests/s).
func TestStarvingPoolFailsWithinSeconds(t *testing.T) {
	rate, seconds := detect(t, regression(load{waits: starvingWaits, timeoutRate: 0.05, errorRate: 0.001, usage: 0.95}), 500)
	if rate < 1 {
		t.Fatalf("detected in %.3f of the rollouts, want all", rate)
	}
	within3 := float64(len(slices.DeleteFunc(slices.Clone(seconds), func(s int) bool { return s > 3 }))) / float64(len(seconds))
	t.Logf("decided after %d to %d seconds (median %d); %.3f within 3", seconds[0], seconds[len(seconds)-1], seconds[len(seconds)/2], within3)
	if last := seconds[len(seconds)-1]; last > 5 || within3 < 0.95 {
		t.Errorf("the slowest decision took %d looks, %.3f within 3; want at most 5, and 0.95", last, within3)
	}
}

// TestSmallErrorIncreaseIsDetected: a canary answering 1.5 % of its requests with
// 5xx, against 0.1 % on the stable pods, stays under the 2 % ceiling but is failed
// by the comparison within the rollout's two minutes in at least 75 % of 500
// simulated rollouts. That is all 10 requests/s on the first step's canary pod
// allow: nine errors against two expected in its first minute are a likelihood
// ratio near the 700 the bound asks for. docs/rollouts.md states the figure.
func TestSmallErrorIncreaseIsDetected(t *testing.T) {
	rate, seconds := detect(t, regression(load{waits: healthyWaits, timeoutRate: 0.002, errorRate: 0.015, usage: 0.3}), 500)
	t.Logf("detected in %.3f of the rollouts; median decision after %d s", rate, seconds[len(seconds)/2])
	if rate < 0.75 {
		t.Errorf("detected in %.3f of the rollouts, want at least 0.75", rate)
	}
}

// TestSlowerWaitsAreDetected: a canary whose waits are about ten times longer (a
// pool that is often exhausted, no timeouts) is failed on the acquire-wait check.
func TestSlowerWaitsAreDetected(t *testing.T) {
	slow := []float64{0.30, 0.10, 0.08, 0.08, 0.10, 0.10, 0.08, 0.06, 0.05, 0.03, 0.02}
	rate, seconds := detect(t, regression(load{waits: slow, timeoutRate: 0.002, errorRate: 0.001, usage: 0.5}), 500)
	t.Logf("detected in %.3f of the rollouts; median decision after %d s", rate, seconds[len(seconds)/2])
	if rate < 0.99 {
		t.Errorf("detected in %.3f of the rollouts, want at least 0.99", rate)
	}
}
