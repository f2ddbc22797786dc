package judge

import "math"

// riskRatios are the relative risks the error and timeout tests mix over, each with
// the same weight: the canary's rate as a multiple of the stable pods' rate. They
// span the material increases (a rate doubled) to a pool that fails most of what it
// is asked; a true ratio between two of them is detected almost as fast as at either.
var riskRatios = [...]float64{1.5, 2, 4, 8, 16, 64}

// RateEvidence is the sequential test that the canary's share of failures (acquires
// that timed out, requests answered 5xx) is higher than the stable pods' share. It is
// fed increments: what both tracks did between two looks.
//
// Under the null hypothesis both tracks fail each trial with the same probability p_t
// (which may change from one look to the next: a database outage raises it for
// everyone alike). Given the look's trials, n_c on the canary and n_s on the stable
// pods, and its failures m = x_c + x_s, the canary's share x_c is then hypergeometric;
// it is bounded in convex order by the binomial Bin(m, π) with π = n_c / (n_c + n_s)
// (Hoeffding, 1963), so for every λ the factor
//
//	L(λ) = exp(λ x_c) / (π e^λ + 1 − π)^m
//
// has mean at most 1, and the product of the factors over the looks is a
// nonnegative supermartingale. The alternative "the canary fails e^λ times as often"
// makes the same factor its likelihood ratio. The evidence is the average of the
// products over riskRatios: a supermartingale too, so by Ville's inequality it
// reaches 1/α at some look with probability at most α, however many looks are taken
// and whenever they stop. This needs no normal approximation, no minimum sample and
// no continuity correction: it is exact for small counts, and conservative for
// large ones (it conditions on the failures of each look, as Fisher's exact test
// does on the table's margins).
type RateEvidence struct {
	// LogProducts are log Π L(λ) for each of riskRatios, over the looks so far.
	LogProducts [len(riskRatios)]float64
	// MaxLogLR is the highest log of the mixture seen at any look: its running
	// maximum makes the p-value always valid (it never rises again).
	MaxLogLR float64
}

// Add takes one increment: the canary's failures and trials and the stable pods'
// failures and trials between two looks. Negative or empty increments (a counter
// reset, a look with no traffic) add nothing.
func (e *RateEvidence) Add(canaryFailures, canaryTrials, stableFailures, stableTrials float64) {
	xc, xs := math.Max(canaryFailures, 0), math.Max(stableFailures, 0)
	nc, ns := math.Max(canaryTrials, 0), math.Max(stableTrials, 0)
	m := xc + xs
	if m == 0 || nc+ns == 0 {
		return
	}
	pi := nc / (nc + ns)
	for i, r := range riskRatios {
		lambda := math.Log(r)
		e.LogProducts[i] += lambda*xc - m*math.Log(pi*r+1-pi)
	}
	e.MaxLogLR = math.Max(e.MaxLogLR, e.LogLR())
}

// LogLR is the logarithm of the mixture of the products: log (Σ Π L(λ) / K).
func (e *RateEvidence) LogLR() float64 {
	return logMeanExp(e.LogProducts[:])
}

// P is the always-valid p-value: min(1, 1 / the highest mixture seen).
func (e *RateEvidence) P() float64 { return pFromLogLR(e.MaxLogLR) }

// pFromLogLR turns the running maximum of a test supermartingale into its
// always-valid p-value.
func pFromLogLR(maxLog float64) float64 {
	return math.Min(1, math.Exp(-maxLog))
}

// logMeanExp is log(mean(exp(x))), computed without overflow.
func logMeanExp(x []float64) float64 {
	top := math.Inf(-1)
	for _, v := range x {
		top = math.Max(top, v)
	}
	if math.IsInf(top, -1) {
		return top
	}
	var sum float64
	for _, v := range x {
		sum += math.Exp(v - top)
	}
	return top + math.Log(sum/float64(len(x)))
}
