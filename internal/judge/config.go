package judge

import (
	"slices"
	"time"

	"github.com/interviewapi/operator/internal/poolhealth"
)

// Defaults of Config, each with its reason; the API documents the same values.
const (
	// DefaultConfidence bounds the chance that a rollout of a canary no worse than
	// the stable pods fails at 1 %, the false-rollback rate the judge is built to
	// stay under.
	DefaultConfidence = 0.99
	// DefaultMinWaitRatio and DefaultMinWaitIncrease: a canary's acquire-wait p99
	// is materially worse when it is at least 1.5 times the stable pods' and at least
	// 5ms longer. Waits of a few milliseconds are small next to a request's own
	// database time, and healthy canaries on a busy node were seen at 2 to 4 times a
	// warm stable p99 of 0.1ms; a starving pool's p99 is tens of milliseconds or more.
	DefaultMinWaitRatio    = 1.5
	DefaultMinWaitIncrease = 0.005 // seconds
	// DefaultMinRateRatio and DefaultMinRateIncrease: a share of timeouts or 5xx
	// answers is materially worse when it at least doubles and rises by at least half
	// a percentage point: 0.1 % → 1.5 % is material, 0.1 % → 0.3 % is not.
	DefaultMinRateRatio    = 2
	DefaultMinRateIncrease = 0.005
	// DefaultMinUsageIncrease: pools busier by a fifth of their connections on
	// average are materially busier; less is within what a change of engine moves.
	DefaultMinUsageIncrease = 0.2
)

// sequentialTests is how many tests can fail a canary that is no worse than the
// stable pods and within every ceiling: the four comparisons and the three ceiling
// tests (timeouts, errors, waits above the p99 ceiling). The error budget
// 1 − confidence is shared among them.
const sequentialTests = 7

// Config is how the comparing judge decides.
type Config struct {
	// Ceilings are the absolute limits (and MinAcquires, the smallest sample judged,
	// and Mode, the database mode the canary pods must report). Nothing may exceed a
	// ceiling while the stable pods stay within it.
	Ceilings poolhealth.Criteria
	// Confidence is the chance that a rollout of a canary no worse than the stable
	// pods is not failed by the comparison, over every look of every step.
	Confidence float64
	// ComparedSteps is the number of the rollout's steps that have stable pods to
	// compare with (those below 100 %): the error budget is split among them.
	ComparedSteps int
	// Material margins: a check fails only when the canary is worse by both the ratio
	// and the increase.
	MinWaitRatio     float64
	MinWaitIncrease  float64 // seconds
	MinRateRatio     float64
	MinRateIncrease  float64
	MinUsageIncrease float64
	// DryRun names checks whose verdict is recorded but never acted on.
	DryRun []string
	// Quarantine is how long after the stable pods were last seen degraded the
	// evidence keeps starting afresh: the longest pool timeout of the two revisions,
	// so that waits begun during a shared fault and counted when they end are not
	// blamed on the canary.
	Quarantine time.Duration
}

// withDefaults fills in what a Config built in Go left empty.
func (c Config) withDefaults() Config {
	if c.Confidence <= 0 || c.Confidence >= 1 {
		c.Confidence = DefaultConfidence
	}
	c.ComparedSteps = max(c.ComparedSteps, 1)
	if c.MinWaitRatio <= 0 {
		c.MinWaitRatio = DefaultMinWaitRatio
	}
	if c.MinRateRatio <= 0 {
		c.MinRateRatio = DefaultMinRateRatio
	}
	return c
}

// alpha is the share of the error budget of one test: a union bound over the
// tests, so that the whole rollout keeps 1 − Confidence. Each check's sequential
// test holds its share at any number of looks, which is what lets the judge look
// every second. The rank test starts again at each step, so its share is split
// again among the compared steps; the other tests run through the whole rollout.
func (c Config) alpha() float64 {
	return (1 - c.Confidence) / sequentialTests
}

// rankAlpha is the rank test's share in one step.
func (c Config) rankAlpha() float64 {
	return c.alpha() / float64(c.ComparedSteps)
}

func (c Config) dryRun(check string) bool { return slices.Contains(c.DryRun, check) }
