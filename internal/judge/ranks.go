package judge

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// RankTest is the Mann-Whitney U test of two samples given as counts in the same
// ordered categories: the acquire waits of canary and stable pods counted in the
// buckets of one histogram. Inside a bucket the waits cannot be told apart, so every
// observation of a bucket is a tie and takes the bucket's mid-rank.
type RankTest struct {
	// N1 and N2 are the canary's and the stable pods' observation counts.
	N1, N2 float64
	// U is the canary's statistic: the number of (canary, stable) pairs in which the
	// canary waited longer, ties counting one half.
	U float64
	// Sigma is the standard deviation of U under the null hypothesis, with the tie
	// correction.
	Sigma float64
	// Z is the standardised U with the continuity correction towards the null, as R's
	// wilcox.test(correct = TRUE, alternative = "greater") computes it.
	Z float64
	// P is the one-sided p-value of "the canary waits longer": 1 − Φ(Z).
	P float64
	// Superiority is U / (N1 × N2): the probability that a canary wait is longer than
	// a stable wait, ties counting one half. 0.5 means no difference.
	Superiority float64
}

// MannWhitney compares the canary's counts with the stable pods' counts in the same
// categories, in increasing order (the buckets of a histogram, not cumulative). With
// mid-ranks r_i = (observations in categories below i) + (t_i + 1) / 2, where t_i is
// the number of observations in category i from both samples, and N = N1 + N2:
//
//	U     = Σ canary_i × r_i − N1 (N1 + 1) / 2
//	σ²    = N1 N2 / 12 × ((N + 1) − Σ (t_i³ − t_i) / (N (N − 1)))
//	Z     = (U − N1 N2 / 2 − ½) / σ
//
// It reports ok false when either sample is empty, or the categories differ in
// number. When every observation is in one category (σ = 0) there is nothing to rank:
// Z is 0 and P is 1.
func MannWhitney(canary, stable []float64) (RankTest, bool) {
	if len(canary) != len(stable) {
		return RankTest{}, false
	}
	var t RankTest
	for i := range canary {
		t.N1 += math.Max(canary[i], 0)
		t.N2 += math.Max(stable[i], 0)
	}
	if t.N1 <= 0 || t.N2 <= 0 {
		return RankTest{}, false
	}
	n := t.N1 + t.N2
	var below, rankSum, ties float64
	for i := range canary {
		c, s := math.Max(canary[i], 0), math.Max(stable[i], 0)
		tied := c + s
		rankSum += c * (below + (tied+1)/2)
		ties += tied*tied*tied - tied
		below += tied
	}
	t.U = rankSum - t.N1*(t.N1+1)/2
	t.Superiority = t.U / (t.N1 * t.N2)
	variance := t.N1 * t.N2 / 12 * ((n + 1) - ties/(n*(n-1)))
	if variance <= 0 {
		t.P = 1
		return t, true
	}
	t.Sigma = math.Sqrt(variance)
	t.Z = (t.U - t.N1*t.N2/2 - 0.5) / t.Sigma
	// Φ(−Z) rather than Survival(Z): gonum computes the survival as 1 − erf, which
	// rounds to 0 for Z above 8, while its CDF uses erfc and keeps the tail.
	t.P = distuv.UnitNormal.CDF(-t.Z)
	return t, true
}
