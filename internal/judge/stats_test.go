package judge

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat/combin"

	"github.com/interviewapi/operator/internal/poolhealth"
)

// close reports whether got is within a relative tolerance of want.
func close(got, want, rel float64) bool {
	if want == 0 {
		return math.Abs(got) < rel
	}
	return math.Abs(got-want) <= rel*math.Abs(want)
}

// TestMannWhitneyAgainstR compares the grouped rank test with R 4.2.2:
//
//	x <- rep(seq_along(c), c); y <- rep(seq_along(s), s)
//	wilcox.test(x, y, alternative = "greater", correct = TRUE, exact = FALSE)
//
// which expands the counts into tied observations and reports W (our U) and the
// p-value of the normal approximation with tie and continuity corrections.
func TestMannWhitneyAgainstR(t *testing.T) {
	for _, c := range []struct {
		name           string
		canary, stable []float64
		w, p           float64
	}{
		{"canary somewhat slower", []float64{10, 5, 3, 2}, []float64{20, 8, 2, 0}, 367, 0.0661641328014933},
		{"complete separation", []float64{0, 0, 5, 5}, []float64{5, 5, 0, 0}, 100, 5.67560571721208e-05},
		{"mirror images", []float64{3, 4, 5}, []float64{5, 4, 3}, 88, 0.171474894303137},
		{"canary faster", []float64{20, 8, 2, 0}, []float64{10, 5, 3, 2}, 233, 0.936695927469401},
		{"two healthy pools", []float64{800, 80, 40, 30, 20, 10, 8, 6, 3, 2, 1}, []float64{790, 85, 45, 30, 20, 12, 8, 5, 3, 1, 1}, 495339, 0.695717253299393},
		{"starving canary", []float64{50, 20, 20, 30, 50, 80, 120, 200, 200, 100}, []float64{800, 80, 40, 30, 20, 10, 8, 6, 3, 2}, 824030, 3.76574043569636e-272},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := MannWhitney(c.canary, c.stable)
			if !ok {
				t.Fatal("not computed")
			}
			if got.U != c.w || !close(got.P, c.p, 1e-9) {
				t.Errorf("U = %v, p = %.15g; R says W = %v, p = %.15g", got.U, got.P, c.w, c.p)
			}
		})
	}
}

func TestMannWhitneyEdges(t *testing.T) {
	if _, ok := MannWhitney([]float64{0, 0}, []float64{1, 2}); ok {
		t.Error("an empty canary sample was tested")
	}
	if _, ok := MannWhitney([]float64{1}, []float64{1, 2}); ok {
		t.Error("samples over different categories were tested")
	}
	// Every observation in one bucket: nothing to rank, no evidence either way.
	got, ok := MannWhitney([]float64{10, 0}, []float64{7, 0})
	if !ok || got.P != 1 || got.Superiority != 0.5 {
		t.Errorf("all tied: %+v, want p 1 and superiority 0.5", got)
	}
}

// TestMannWhitneyProperties: swapping canary and stable flips the direction (U1 + U2
// = N1 N2, so the superiorities add up to 1), and identical samples never show the
// canary as worse.
func TestMannWhitneyProperties(t *testing.T) {
	samples := [][]float64{
		{10, 5, 3, 2}, {20, 8, 2, 0}, {0, 0, 5, 5}, {800, 80, 40, 30}, {1, 1, 1, 1}, {0, 3, 0, 9},
	}
	for _, a := range samples {
		for _, b := range samples {
			ab, ok1 := MannWhitney(a, b)
			ba, ok2 := MannWhitney(b, a)
			if !ok1 || !ok2 {
				t.Fatalf("%v vs %v not computed", a, b)
			}
			if !close(ab.U+ba.U, ab.N1*ab.N2, 1e-12) || !close(ab.Superiority+ba.Superiority, 1, 1e-12) {
				t.Errorf("%v vs %v: U %v + %v != %v", a, b, ab.U, ba.U, ab.N1*ab.N2)
			}
			if (ab.Z > 0.5/ab.Sigma) && (ba.Z > 0) {
				t.Errorf("%v vs %v: both directions worse (z %v, %v)", a, b, ab.Z, ba.Z)
			}
		}
		same, _ := MannWhitney(a, a)
		if same.P < 0.5 {
			t.Errorf("%v against itself: p = %v, want at least 0.5", a, same.P)
		}
	}
}

// TestMixtureAgainstIntegration compares the closed form of the one-sided normal
// mixture with R's numerical integration of its definition:
//
//	2 * integrate(function(th) exp(th*z*sqrt(I) - th^2*I/2) * dnorm(th, 0, tau), 0, Inf)
func TestMixtureAgainstIntegration(t *testing.T) {
	for _, c := range []struct{ z, info, tau, want float64 }{
		{2, 400, 0.1, 4.26701343841811},
		{3.5, 2500, 0.1, 141.630620672942},
		{-1, 100, 0.1, 0.435358817489897},
		{1, 50, 0.3, 1.04909083449632},
	} {
		if got := math.Exp(mixtureLogLR(c.z, c.info, c.tau)); !close(got, c.want, 1e-9) {
			t.Errorf("z %v, I %v, tau %v: %.15g, R integrates %.15g", c.z, c.info, c.tau, got, c.want)
		}
	}
}

// TestRateEvidenceAgainstR checks one look of the error/timeout test with its
// formula evaluated in R: mean(rr^xc / (p*rr + 1 - p)^m) with rr the risk ratios,
// p = nc / (nc + ns) and m = xc + xs.
func TestRateEvidenceAgainstR(t *testing.T) {
	for _, c := range []struct{ xc, nc, xs, ns, want float64 }{
		{10, 100, 2, 300, 2965.606433078},
		{3, 100, 0, 300, 22.8380512902045},
		{40, 50, 40, 50, 0.0340598425858615},
	} {
		var e RateEvidence
		e.Add(c.xc, c.nc, c.xs, c.ns)
		if got := math.Exp(e.LogLR()); !close(got, c.want, 1e-9) {
			t.Errorf("%v: %.15g, R says %.15g", c, got, c.want)
		}
		if want := math.Min(1, 1/c.want); !close(e.P(), want, 1e-9) {
			t.Errorf("%v: p %v, want %v", c, e.P(), want)
		}
	}
}

// TestRateFactorsHaveMeanAtMostOne is the property the rate test's validity rests
// on: under the null hypothesis the canary's share of a look's failures is
// hypergeometric, and every factor's mean under it is at most 1. The means were
// computed in R as sum(dhyper(x, nc, ns, m) * r^x / (p*r + 1 - p)^m); here they are
// recomputed from the factors Add produces and gonum's binomial coefficients.
func TestRateFactorsHaveMeanAtMostOne(t *testing.T) {
	for _, c := range []struct {
		nc, ns, m float64
		want      [len(riskRatios)]float64
	}{
		{25, 75, 5, [...]float64{0.99627792955, 0.987999495056, 0.945770820809, 0.882675402985, 0.822411861591, 0.752764846229}},
		{25, 75, 30, [...]float64{0.854273890834, 0.604420243152, 0.0959277323585, 0.00363058106217, 5.07439688363e-05, 5.0045442453e-09}},
		{10, 300, 40, [...]float64{0.981766763829, 0.933266814046, 0.607546782828, 0.145378204855, 0.0042935177863, 9.41705413282e-11}},
	} {
		var mean [len(riskRatios)]float64
		for x := 0.0; x <= math.Min(c.m, c.nc); x++ {
			logP := combin.LogGeneralizedBinomial(c.nc, x) + combin.LogGeneralizedBinomial(c.ns, c.m-x) - combin.LogGeneralizedBinomial(c.nc+c.ns, c.m)
			var e RateEvidence
			e.Add(x, c.nc, c.m-x, c.ns)
			for i := range mean {
				mean[i] += math.Exp(logP + e.LogProducts[i])
			}
		}
		for i := range mean {
			if mean[i] > 1+1e-12 || !close(mean[i], c.want[i], 1e-8) {
				t.Errorf("nc %v ns %v m %v ratio %v: mean factor %.12g, R says %.12g", c.nc, c.ns, c.m, riskRatios[i], mean[i], c.want[i])
			}
		}
	}
}

// TestCeilingEvidenceAgainstR checks one look of the ceiling test with its formula in
// R: a <- c*rr; a <- c(a[a < 1], (1 + c)/2); mean((a/c)^x * ((1 - a)/(1 - c))^(n - x)),
// and that at a true share equal to the ceiling every factor has mean exactly 1 (R:
// sum(dbinom(x, n, c) * factor) = 1 for n = 60, c = 0.01 and 0.02).
func TestCeilingEvidenceAgainstR(t *testing.T) {
	for _, c := range []struct{ x, n, ceiling, want float64 }{
		{3, 60, 0.01, 3.75369428674735},
		{1, 60, 0.01, 0.424152293813327},
		{40, 50, 0.02, 2.97273435658111e+52},
	} {
		e := CeilingEvidence{Ceiling: c.ceiling}
		e.Add(c.x, c.n)
		if got := math.Exp(e.MaxLogLR); !close(got, math.Max(c.want, 1), 1e-9) {
			t.Errorf("%v: %.15g, R says %.15g", c, got, c.want)
		}
	}
	for _, ceiling := range []float64{0.01, 0.02} {
		n := 60.0
		probe := CeilingEvidence{Ceiling: ceiling}
		alts := probe.alternatives()
		mean := make([]float64, len(alts))
		for x := 0.0; x <= n; x++ {
			logP := combin.LogGeneralizedBinomial(n, x) + x*math.Log(ceiling) + (n-x)*math.Log1p(-ceiling)
			e := CeilingEvidence{Ceiling: ceiling}
			e.Add(x, n)
			for i := range alts {
				mean[i] += math.Exp(logP + e.LogProducts[i])
			}
		}
		for i, m := range mean {
			if !close(m, 1, 1e-9) {
				t.Errorf("ceiling %v, alternative %v: mean factor %v, want 1", ceiling, alts[i], m)
			}
		}
	}
	zero := CeilingEvidence{Ceiling: 0}
	zero.Add(1, 100)
	if zero.P() != 0 {
		t.Errorf("a ceiling of 0 with one failure: p %v, want 0", zero.P())
	}
}

// TestUsageEvidenceAgainstR: R, mean(sapply(bets, function(b) prod(1 + b*d))) for
// the five differences below.
func TestUsageEvidenceAgainstR(t *testing.T) {
	var e UsageEvidence
	for _, d := range []float64{0.3, -0.1, 0.25, 0.2, 0.4} {
		e.Add(0.5+d, 0.5)
	}
	if got := math.Exp(logMeanExp(e.LogCapital[:])); !close(got, 1.3930305168375, 1e-9) {
		t.Errorf("capital %.15g, R says 1.3930305168375", got)
	}
}

// TestWorkedExampleOfTheDocs is the worked example of docs/rollouts.md ("The Compare
// judge"); the rank test's figures were checked with R's wilcox.test, and the mixture
// with the formula evaluated in R (2*pnorm(z*sqrt(c))*exp(z^2*c/2)/sqrt(1+v)).
func TestWorkedExampleOfTheDocs(t *testing.T) {
	canary := []float64{8, 2, 1, 1, 0, 0, 0, 10, 8}
	stable := []float64{70, 10, 5, 2, 1, 0, 0, 2, 0}
	rt, _ := MannWhitney(canary, stable)
	if rt.U != 2208.5 || !close(rt.Sigma, 140.297, 1e-5) || !close(rt.Z, 6.11558, 1e-5) {
		t.Errorf("U %v σ %v Z %v, the docs say 2208.5, 140.3, 6.12", rt.U, rt.Sigma, rt.Z)
	}
	if p := pFromLogLR(rankLogLR(rt)); !close(p, 4.36938e-07, 1e-4) {
		t.Errorf("always-valid p %v, the docs say 4.4e-07", p)
	}
	track := func(counts []float64, pods int) Track {
		h := &poolhealth.Histogram{}
		var cum float64
		for i, b := range bounds {
			if i < len(counts) {
				cum += counts[i]
			}
			h.Buckets = append(h.Buckets, poolhealth.Bucket{UpperBound: b, Count: cum})
		}
		h.Count = cum
		return Track{Pods: pods, Waits: h, Acquires: cum, HasAcquires: true, Requests: cum, HasRequests: true,
			BusySeconds: 3 * float64(pods), CapacitySeconds: 30 * float64(pods), HasUsage: true}
	}
	cfg := defaults()
	cfg.ComparedSteps = 2
	v := NewSequence(cfg).Look(Look{Canary: track(canary, 1), Stable: track(stable, 3)})
	want := "canary failed: acquireWaitP99 49.063ms is worse than the stable pods' 18.25ms (×257, +21.914ms at p66.7; p = 4.4e-07 ≤ 0.00071)"
	if v.Verdict != fail || !v.Decisive || v.Message != want {
		t.Errorf("verdict %s (decisive %v): %s\nthe docs say %s", v.Verdict, v.Decisive, v.Message, want)
	}
}
