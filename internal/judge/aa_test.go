package judge

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/interviewapi/operator/internal/poolhealth"
)

// statisticsOnly is a Config whose only way to fail a canary is the sequential
// comparison: no material margin, no reachable ceiling. The A/A bound is a property
// of the tests, so it is measured without the margins that would hide a bad test.
func statisticsOnly() Config {
	return Config{
		Ceilings: poolhealth.Criteria{MinAcquires: 20, MaxAcquireWaitP99: time.Hour,
			MaxPoolUtilization: 2, MaxAcquireTimeoutRatio: 2, MaxErrorRatio: 2},
		Confidence:   0.99,
		MinWaitRatio: 1,
		MinRateRatio: 1,
	}
}

// defaults is the Config an InterviewAPI with every analysis field at its default
// gets: the shipped ceilings and margins.
func defaults() Config {
	return Config{
		Ceilings: poolhealth.Criteria{MinAcquires: 20, MaxAcquireWaitP99: 100 * time.Millisecond,
			MaxPoolUtilization: 0.9, MaxAcquireTimeoutRatio: 0.01, MaxErrorRatio: 0.02},
		Confidence:       DefaultConfidence,
		MinWaitRatio:     DefaultMinWaitRatio,
		MinWaitIncrease:  DefaultMinWaitIncrease,
		MinRateRatio:     DefaultMinRateRatio,
		MinRateIncrease:  DefaultMinRateIncrease,
		MinUsageIncrease: DefaultMinUsageIncrease,
	}
}

// aaRollout is an A/A rollout: canary and stable pods behave identically, under the
// load the kind picks. Steady: 40 requests/s, the e2e load. Bursty: the rate jumps
// between a fifth and three times that, second by second, for both tracks alike.
// Low: 8 requests/s, so the canary pod of the first step sees 2 a second.
func aaRollout(kind int, rng *rand.Rand) rollout {
	healthy := load{waits: healthyWaits, timeoutRate: 0.002, errorRate: 0.001, usage: 0.3}
	r := rollout{replicas: 4, weights: []int{25, 50}, pause: 60, interval: 30, total: 40}
	switch kind {
	case 1:
		scales := make([]float64, len(r.weights)*(r.pause+1))
		for i := range scales {
			scales[i] = 0.2 + 2.8*rng.Float64()
		}
		r.canary = func(step, sec int) load { l := healthy; l.scale = scales[step*(r.pause+1)+sec]; return l }
	case 2:
		r.total = 8
	}
	if r.canary == nil {
		r.canary = func(int, int) load { return healthy }
	}
	r.stable = r.canary
	return r
}

// TestAAFalseFailureRate simulates 10,000 A/A rollouts of two compared steps, each
// looked at every second for its one-minute pause (120 looks of four sequential
// tests per rollout), a third each under steady, bursty and low load. The share
// failed must stay within 1 − confidence = 1 %, the bound the sequential tests
// promise at any stopping time. The figure is reported in docs/rollouts.md.
func TestAAFalseFailureRate(t *testing.T) {
	const rollouts = 10000
	for _, c := range []struct {
		name string
		cfg  Config
	}{
		{"statistics only", statisticsOnly()},
		{"default margins and ceilings", defaults()},
	} {
		t.Run(c.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(9, 2026))
			failed := 0
			byCheck := map[string]int{}
			for i := range rollouts {
				o := aaRollout(i%3, rng).run(rng, c.cfg)
				if o.failed {
					failed++
					for _, ch := range o.verdict.Checks {
						if ch.Verdict == fail {
							byCheck[ch.Name]++
						}
					}
				}
			}
			rate := float64(failed) / rollouts
			t.Logf("%s: %d of %d A/A rollouts failed (%.4f; bound %.2f); failing checks %v", c.name, failed, rollouts, rate, 1-c.cfg.Confidence, byCheck)
			if rate > 1-c.cfg.Confidence {
				t.Errorf("false-failure rate %.4f is above 1 − confidence = %.2f", rate, 1-c.cfg.Confidence)
			}
		})
	}
}
