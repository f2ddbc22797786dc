package judge

import "math"

// usageBets are the stakes the utilisation test mixes over, each with the same
// weight: the share of its capital a bettor puts on "the canary is busier" at each
// look. Small stakes win slowly on small differences, large ones fast on large.
var usageBets = [...]float64{0.05, 0.1, 0.2, 0.4, 0.8}

// UsageEvidence is the sequential test that the canary's pools are busier than the
// stable pods'. At each look it takes the difference d = u_canary − u_stable of the
// two tracks' mean utilisation over the same seconds: pairing by time cancels what
// the tracks share (the load rises and falls for both alike). d lies in [−1, 1], so
// for a stake λ in [0, 1) the product of the factors 1 + λ d is a nonnegative
// supermartingale whenever the canary is not busier on average (E[d] ≤ 0 at each
// look, given the past): this is testing by betting (Waudby-Smith and Ramdas, 2023),
// exact for bounded observations, with no variance to estimate. The evidence is the
// average of the products over usageBets, and Ville's inequality bounds the chance
// it ever reaches 1/α by α.
type UsageEvidence struct {
	// LogCapital are log Π (1 + λ d) for each of usageBets.
	LogCapital [len(usageBets)]float64
	// MaxLogLR is the running maximum of the mixture's logarithm.
	MaxLogLR float64
}

// Add takes one look's mean utilisation of each track, each in [0, 1].
func (e *UsageEvidence) Add(canary, stable float64) {
	d := math.Max(-1, math.Min(1, canary-stable))
	for i, bet := range usageBets {
		e.LogCapital[i] += math.Log1p(bet * d)
	}
	e.MaxLogLR = math.Max(e.MaxLogLR, logMeanExp(e.LogCapital[:]))
}

// P is the always-valid p-value of "the canary's pools are busier".
func (e *UsageEvidence) P() float64 { return pFromLogLR(e.MaxLogLR) }
