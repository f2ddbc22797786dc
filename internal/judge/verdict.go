package judge

// Check is one check's result at a look: the canary's and the stable pods' values
// over the step, the effect, the evidence and the verdict.
type Check struct {
	Name string
	// Verdict is Pass, Fail or Inconclusive (v1alpha1.Verdict…), or "" at a look
	// that is not an analysis and did not fail.
	Verdict string
	// Canary and Stable are the check's values over the step so far (since the
	// step's start, or since the last shared fault); Known says whether each could
	// be computed.
	Canary, Stable           float64
	CanaryKnown, StableKnown bool
	// CanaryN and StableN are the sample sizes behind them: acquires, or requests
	// for the error ratio.
	CanaryN, StableN float64
	// Ratio and Increase are the effect: canary / stable (0 when the stable value
	// is 0) and canary − stable. For the waits they compare the Quantile both
	// samples resolve (see effectQuantile), not necessarily the p99.
	Ratio, Increase float64
	Quantile        float64
	EffectKnown     bool
	// P is the always-valid p-value of "the canary is worse than the stable pods",
	// 1 when there is no evidence or nothing to compare with.
	P float64
	// Ceiling is the absolute limit, and CeilingP the always-valid p-value of "the
	// canary is above it" (for utilisation, a mean of time, 0 or 1: above or not).
	Ceiling, CeilingP float64
	// Alpha is what the p-values are compared with: this check's share of the
	// error budget.
	Alpha float64
	// StableDegraded is set when the stable pods and the canary are both above the
	// ceiling with the judge's confidence and the canary is not measured within it:
	// the environment is failing both (sharedFault).
	StableDegraded bool
	// fault is the check's shared-fault state (sharedFault); StableDegraded is
	// its degradedAlike.
	fault faultState
	// stableAbove is set when the stable pods are above the ceiling with the
	// judge's confidence.
	stableAbove bool
	// DryRun is set when the verdict is only recorded.
	DryRun bool
	// Why explains a Fail or Inconclusive verdict.
	Why string
}

// Verdict is the judge's answer at one look.
type Verdict struct {
	// Verdict is Pass, Fail or Inconclusive, or "" at a look that is not an
	// analysis and found nothing decisive.
	Verdict string
	// Decisive is set on a Fail reached at a look that is not an analysis: the
	// sequential tests hold at any look, so it may be acted on at once.
	Decisive bool
	// SharedFault is set when the stable pods degraded alike during the analysis
	// window.
	SharedFault bool
	// Message explains the verdict in one sentence.
	Message string
	Checks  []Check
}
