package judge

import "math"

// ceilingRatios are the alternatives the ceiling test mixes over: a true share of
// failures this many times the ceiling.
var ceilingRatios = [...]float64{1.5, 2, 4, 8, 16, 64}

// CeilingEvidence is the sequential test that a track's share of failures (acquires
// that timed out, requests answered 5xx, or acquires that waited longer than the
// p99 ceiling) is above a ceiling c. For an alternative share p1 > c, the factor of a
// look with x failures in n trials is
//
//	(p1 / c)^x ((1 − p1) / (1 − c))^(n − x)
//
// whose mean, when each trial fails with probability p ≤ c, is
// (p p1 / c + (1 − p)(1 − p1) / (1 − c))^n ≤ 1: the product over the looks, and the
// average of the products over the alternatives, are nonnegative supermartingales, and
// Ville's inequality bounds the chance that the evidence ever reaches 1/α by α. A
// ceiling is then exceeded with the judge's confidence, not by the noise of a small
// window: one timeout among the 60 acquires of a quiet canary pod is 1.7 %, above a
// 1 % ceiling, and says nothing.
type CeilingEvidence struct {
	// Ceiling is c; alternatives are c × ceilingRatios, those below 1, and (1 + c) / 2.
	Ceiling float64
	// LogProducts are the log products for each alternative.
	LogProducts [len(ceilingRatios) + 1]float64
	// MaxLogLR is the running maximum of the mixture's logarithm.
	MaxLogLR float64

	// alts caches alternatives for altsFor.
	alts    []float64
	altsFor float64
}

// alternatives are the shares above the ceiling the test weighs.
func (e *CeilingEvidence) alternatives() []float64 {
	if e.alts != nil && e.altsFor == e.Ceiling {
		return e.alts
	}
	e.alts, e.altsFor = e.computeAlternatives(), e.Ceiling
	return e.alts
}

func (e *CeilingEvidence) computeAlternatives() []float64 {
	out := make([]float64, 0, len(ceilingRatios)+1)
	for _, r := range ceilingRatios {
		if p := e.Ceiling * r; p < 1 {
			out = append(out, p)
		}
	}
	return append(out, (1+e.Ceiling)/2)
}

// Add takes one look's failures and trials.
func (e *CeilingEvidence) Add(failures, trials float64) {
	c := e.Ceiling
	switch {
	case trials <= 0 || c >= 1:
		return
	case c <= 0:
		// A ceiling of 0 allows no failure at all.
		if failures > 0 {
			e.MaxLogLR = math.Inf(1)
		}
		return
	}
	x := math.Min(math.Max(failures, 0), trials)
	alts := e.alternatives()
	for i, p1 := range alts {
		e.LogProducts[i] += x*math.Log(p1/c) + (trials-x)*math.Log((1-p1)/(1-c))
	}
	e.MaxLogLR = math.Max(e.MaxLogLR, logMeanExp(e.LogProducts[:len(alts)]))
}

// P is the always-valid p-value of "the share is above the ceiling".
func (e *CeilingEvidence) P() float64 { return pFromLogLR(e.MaxLogLR) }
