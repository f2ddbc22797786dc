package main

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// rate is k of n runs with its Wilson score interval at 95 %: with the few runs a
// cluster benchmark affords, the interval says how much (or how little) the runs show.
type rate struct {
	k, n   int
	lo, hi float64
}

// wilson is the Wilson score interval of k successes in n trials at the two-sided
// confidence level conf (Wilson 1927; the formula as in Newcombe 1998, method 3):
//
//	(p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n),  p = k/n,  z = Φ⁻¹(1 − (1−conf)/2)
//
// Unlike the normal approximation it stays inside [0, 1] and is not empty at k = 0 or
// k = n, which is where a benchmark's rates mostly are. No Go library we depend on
// offers it; gonum gives the normal quantile.
func wilson(k, n int, conf float64) rate {
	r := rate{k: k, n: n}
	if n <= 0 {
		r.hi = 1
		return r
	}
	z := distuv.UnitNormal.Quantile(1 - (1-conf)/2)
	nf, p := float64(n), float64(k)/float64(n)
	z2 := z * z
	center := p + z2/(2*nf)
	half := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf))
	den := 1 + z2/nf
	r.lo, r.hi = math.Max(0, (center-half)/den), math.Min(1, (center+half)/den)
	// At k = 0 (k = n) the bound is 0 (1) exactly; rounding must not move it off.
	if k == 0 {
		r.lo = 0
	}
	if k == n {
		r.hi = 1
	}
	return r
}

// share is k/n, 0 when there are no runs.
func (r rate) share() float64 {
	if r.n == 0 {
		return 0
	}
	return float64(r.k) / float64(r.n)
}

// String reads like "2/9 = 22 % (6–55 %)".
func (r rate) String() string {
	if r.n == 0 {
		return "no runs"
	}
	return fmt.Sprintf("%d/%d = %s (%s–%s)", r.k, r.n, percent(r.share()), percent(r.lo), percent(r.hi))
}

// percent writes a share with the precision it deserves.
func percent(x float64) string {
	switch {
	case x < 0.0005 || x > 0.9995:
		return fmt.Sprintf("%.0f %%", 100*x)
	case x < 0.1:
		return fmt.Sprintf("%.1f %%", 100*x)
	default:
		return fmt.Sprintf("%.0f %%", 100*x)
	}
}
