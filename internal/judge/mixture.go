package judge

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// shiftPriorSD is the spread τ of the mixture over the rank test's effect θ =
// Superiority − ½. The mixture is most powerful for effects near τ; 0.1 (a canary
// wait longer than a stable one 60 % of the time) is between the noise of a
// healthy canary and the shift of a starving pool (0.3 and more), and since the
// boundary grows only with the logarithm of the information, a τ off by a factor of
// a few costs little.
const shiftPriorSD = 0.1

// rankLogLR is the logarithm of the one-sided normal-mixture likelihood ratio of a
// rank test: the evidence that the canary waits longer, as a sequential test may
// read it at any number of looks.
//
// The rank statistic estimates θ = Superiority − ½ with standard error σ_U / (N1 N2),
// so it carries the information I = (N1 N2 / σ_U)², and as the samples grow its
// standardised value behaves like a Brownian motion in I (the Hájek projection makes
// U a sum of independent terms). For a Brownian motion S = Z √I the likelihood ratio
// of a drift θ against 0 is exp(θ S − θ² I / 2); mixed over θ ≥ 0 with a half-normal
// weight of spread τ it is
//
//	Λ = 2 Φ(Z √c) exp(Z² c / 2) / √(1 + I τ²),   c = I τ² / (1 + I τ²)
//
// Λ is a nonnegative supermartingale with mean at most 1 whenever θ ≤ 0, so by
// Ville's inequality the chance that it ever reaches 1/α, at any look, is at most α:
// the bound holds whenever the analysis stops (Robbins' mixture sequential
// probability ratio test; Johari et al., "Always valid inference", 2017, use the same
// mixture for A/B tests). Z is the continuity-corrected statistic, which only makes
// the test more cautious.
func rankLogLR(t RankTest) float64 {
	if t.Sigma <= 0 {
		return math.Inf(-1)
	}
	r := t.N1 * t.N2 / t.Sigma
	return mixtureLogLR(t.Z, r*r, shiftPriorSD)
}

// mixtureLogLR is log Λ above for a statistic Z carrying the information info, mixed
// with a half-normal weight of spread tau over the effect.
func mixtureLogLR(z, info, tau float64) float64 {
	v := info * tau * tau
	c := v / (1 + v)
	logPhi := math.Log(distuv.UnitNormal.CDF(z * math.Sqrt(c)))
	return math.Ln2 + logPhi + z*z*c/2 - math.Log1p(v)/2
}
