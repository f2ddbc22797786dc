package judge

import (
	"fmt"
	"math"

	"github.com/interviewapi/operator/internal/poolhealth"
)

// measure reads one check's value from a track, with the sample size it rests on.
type measure func(Track) (value float64, known bool, n float64)

func waitMeasure(t Track) (float64, bool, float64) {
	v, ok := quantile(t, 0.99)
	return v, ok, waitCount(t.Waits)
}

// effectQuantile is the quantile of the waits the effect compares: the highest one
// both samples resolve, with at least ten waits above it in the smaller sample,
// between the median and the 99th percentile. A p99 of thirty waits is their
// maximum, and one timeout on the stable pods would make it a minute and hide any
// regression; a p99 of thousands of waits is what the ceiling speaks of.
func effectQuantile(canaryN, stableN float64) float64 {
	n := math.Min(canaryN, stableN)
	if n <= 0 {
		return 0.99
	}
	return math.Max(0.5, math.Min(0.99, 1-10/n))
}

func timeoutMeasure(t Track) (float64, bool, float64) {
	v, ok := ratio(t.Timeouts, t.Acquires)
	return v, ok && t.HasAcquires, t.Acquires
}

func errorMeasure(t Track) (float64, bool, float64) {
	v, ok := ratio(t.ServerErrors, t.Requests)
	return v, ok && t.HasRequests, t.Requests
}

func usageMeasure(t Track) (float64, bool, float64) {
	v, ok := ratio(t.BusySeconds, t.CapacitySeconds)
	return v, ok && t.HasUsage, t.Acquires
}

// spec is what differs between the checks.
type spec struct {
	name    string
	measure measure
	ceiling float64
	// p is the check's always-valid p-value of "the canary is worse"; above
	// returns those of "this track is above the ceiling" for the canary (0) and the
	// stable pods (1), nil for a check whose ceiling is read from its value.
	p     float64
	above func(track int) float64
	// better is the always-valid p-value of "the stable pods are worse than the
	// canary", the same test the other way round.
	better float64
	// material reports whether the effect (canary − stable, and canary / stable or
	// 0 when the stable value is 0) is worse by the configured margin.
	material func(increase, ratio float64) bool
	// minimum is the sample the check needs; the error ratio counts requests, so a
	// canary answering 5xx without touching its pool is still judged.
	minimum float64
	// holds is set for the rate checks: a material increase the test suggests but
	// has not yet shown keeps the step from passing (see suggestiveP).
	holds bool
}

func (s *Sequence) specs() []spec {
	c := s.cfg
	// A ratio of 0 means the stable value was 0: any increase is then infinitely
	// many times it.
	rate := func(increase, ratio float64) bool {
		return increase > 0 && increase >= c.MinRateIncrease && (ratio == 0 || ratio >= c.MinRateRatio)
	}
	return []spec{
		{name: poolhealth.CheckAcquireWaitP99, measure: waitMeasure, ceiling: c.Ceilings.MaxAcquireWaitP99.Seconds(),
			p: pFromLogLR(s.waits), better: pFromLogLR(s.better.waits), above: func(i int) float64 { return s.ceilings[i].slow.P() }, minimum: c.Ceilings.MinAcquires,
			material: func(increase, ratio float64) bool {
				return increase > 0 && increase >= c.MinWaitIncrease && (ratio == 0 || ratio >= c.MinWaitRatio)
			}},
		{name: poolhealth.CheckAcquireTimeoutRatio, measure: timeoutMeasure, ceiling: c.Ceilings.MaxAcquireTimeoutRatio,
			p: s.timeouts.P(), better: s.better.timeouts.P(), above: func(i int) float64 { return s.ceilings[i].timeouts.P() }, minimum: c.Ceilings.MinAcquires, material: rate, holds: true},
		{name: poolhealth.CheckErrorRatio, measure: errorMeasure, ceiling: c.Ceilings.MaxErrorRatio,
			p: s.errors.P(), better: s.better.errors.P(), above: func(i int) float64 { return s.ceilings[i].errors.P() }, minimum: c.Ceilings.MinAcquires, material: rate, holds: true},
		{name: poolhealth.CheckPoolUtilization, measure: usageMeasure, ceiling: c.Ceilings.MaxPoolUtilization,
			p: s.usage.P(), better: s.better.usage.P(), minimum: c.Ceilings.MinAcquires,
			material: func(increase, _ float64) bool { return increase > 0 && increase >= c.MinUsageIncrease }},
	}
}

// checks judges every check at a look; canary and stable are the tracks since the
// evidence started.
func (s *Sequence) checks(analysis bool, canary, stable Track, compared bool) []Check {
	alpha := s.cfg.alpha()
	var out []Check
	for _, sp := range s.specs() {
		ch := Check{Name: sp.name, Ceiling: sp.ceiling, Alpha: alpha, P: 1, DryRun: s.cfg.dryRun(sp.name)}
		if sp.name == poolhealth.CheckAcquireWaitP99 {
			ch.Alpha = s.cfg.rankAlpha()
		}
		ch.Canary, ch.CanaryKnown, ch.CanaryN = sp.measure(canary)
		ch.CeilingP = ceilingP(sp, 0, ch.Canary, ch.CanaryKnown, ch.CanaryN)
		if compared {
			ch.P = sp.p
			ch.Stable, ch.StableKnown, ch.StableN = sp.measure(stable)
			// Degraded alike, no fault, or unresolved: sharedFault.
			canaryWithin := ch.CanaryKnown && enough(ch.CanaryN, sp.minimum) && ch.Canary <= sp.ceiling
			ch.stableAbove = ceilingP(sp, 1, ch.Stable, ch.StableKnown, ch.StableN) <= alpha
			ch.fault = sharedFault(ch.stableAbove, ch.CeilingP <= alpha, canaryWithin, sp.better <= ch.Alpha)
			ch.StableDegraded = ch.fault == degradedAlike
			effect(&ch, canary, stable)
		}
		judge(&ch, sp, alpha, analysis, compared)
		out = append(out, ch)
	}
	return out
}

// effect sets a check's ratio and increase, canary against stable: of the values,
// or for the waits of the effectQuantile.
func effect(ch *Check, canary, stable Track) {
	c, s := ch.Canary, ch.Stable
	known := ch.CanaryKnown && ch.StableKnown
	if ch.Name == poolhealth.CheckAcquireWaitP99 {
		ch.Quantile = effectQuantile(ch.CanaryN, ch.StableN)
		var ok1, ok2 bool
		c, ok1 = quantile(canary, ch.Quantile)
		s, ok2 = quantile(stable, ch.Quantile)
		known = ok1 && ok2
	}
	if !known {
		return
	}
	ch.EffectKnown = true
	ch.Increase = c - s
	if s > 0 {
		ch.Ratio = c / s
	}
}

// ceilingP is the evidence that a track is above the check's ceiling: the
// sequential test's p-value, or, for utilisation (a mean over time, not a count of
// events), 0 when its value with enough acquires behind it is above and 1 when not.
func ceilingP(sp spec, track int, v float64, known bool, n float64) float64 {
	if sp.above != nil {
		return sp.above(track)
	}
	if known && enough(n, sp.minimum) && v > sp.ceiling {
		return 0
	}
	return 1
}

// judge sets one check's verdict, in this order:
//
//  1. worse than the stable pods with the configured confidence and by the material
//     margin: Fail, at any look;
//  2. only at an analysis: above the ceiling with the configured confidence while
//     the stable pods are within it (or there are no stable pods): Fail; with the
//     stable pods' own value above the ceiling, or not measurable: Inconclusive,
//     since a shared fault cannot be ruled out;
//  3. only at an analysis: the stable pods above the ceiling with the canary's
//     shared fault unresolved (sharedFault), or a rate check whose increase is
//     material and suggested by its test but not yet shown (suggestiveP):
//     Inconclusive, since passing would ignore what the step has seen;
//  4. too small a sample, or a value that cannot be computed: Inconclusive;
//  5. otherwise Pass.
func judge(ch *Check, sp spec, alpha float64, analysis, compared bool) {
	f := func(v float64) string { return formatValue(sp.name, v) }
	worse := compared && ch.EffectKnown && ch.P <= ch.Alpha &&
		enough(ch.CanaryN, sp.minimum) && sp.material(ch.Increase, ch.Ratio)
	if worse {
		ch.Verdict = fail
		ch.Why = fmt.Sprintf("%s %s is worse than the stable pods' %s (%s; p = %s ≤ %s)", sp.name, f(ch.Canary), f(ch.Stable), describeEffect(*ch), formatP(ch.P), formatP(ch.Alpha))
		return
	}
	if !analysis {
		return
	}
	stableMeasured := ch.StableKnown && enough(ch.StableN, sp.minimum)
	// A ceiling binds while the stable pods are within it. Beside stable pods above
	// it with the judge's confidence, sharedFault decides instead: both above is a
	// shared fault, a canary measured within or shown better is judged by the
	// comparison, and the rest is unresolved. The tests keep their running maximum,
	// so a canary pod above the ceiling in one burst (a new pod dialling) would
	// otherwise be failed or held for the rest of the rollout beside stable pods
	// that broke it in every burst.
	aboveCeiling := ch.CeilingP <= alpha && !ch.stableAbove
	switch {
	case aboveCeiling && compared && stableMeasured && ch.Stable > sp.ceiling:
		ch.Verdict = inconclusive
		ch.Why = fmt.Sprintf("%s %s on the canary and %s on the stable pods, both above %s", sp.name, f(ch.Canary), f(ch.Stable), f(sp.ceiling))
	case aboveCeiling && compared && !stableMeasured:
		ch.Verdict = inconclusive
		ch.Why = fmt.Sprintf("%s %s is above %s, and the stable pods could not be measured to rule out a shared fault", sp.name, f(ch.Canary), f(sp.ceiling))
	case aboveCeiling:
		ch.Verdict = fail
		ch.Why = fmt.Sprintf("%s %s is above the ceiling %s", sp.name, f(ch.Canary), f(sp.ceiling))
		if compared {
			ch.Why += fmt.Sprintf(" while the stable pods are at %s", f(ch.Stable))
		}
	case ch.fault == unresolved && enough(ch.CanaryN, sp.minimum) && ch.CanaryKnown:
		ch.Verdict = inconclusive
		ch.Why = fmt.Sprintf("%s %s on the canary, above %s but not yet with the judge's confidence, beside the stable pods' %s above it: a shared fault can be neither shown nor ruled out", sp.name, f(ch.Canary), f(sp.ceiling), f(ch.Stable))
	case ch.fault == unresolved:
		ch.Verdict = inconclusive
		ch.Why = fmt.Sprintf("%s: the stable pods are above %s and the canary's sample of %s is too small to tell whether it degraded alike", sp.name, f(sp.ceiling), formatCount(ch.CanaryN))
	case sp.holds && suggested(*ch, sp):
		ch.Verdict = inconclusive
		ch.Why = fmt.Sprintf("%s %s against the stable pods' %s (%s) is material, and its test suggests it (p = %s ≤ %s) without showing it yet (α %s): the step waits for more", sp.name, f(ch.Canary), f(ch.Stable), describeEffect(*ch), formatP(ch.P), formatP(suggestiveP), formatP(ch.Alpha))
	case !enough(ch.CanaryN, sp.minimum):
		ch.Verdict = inconclusive
		ch.Why = fmt.Sprintf("%s: the canary's sample of %s is below %s", sp.name, formatCount(ch.CanaryN), formatCount(sp.minimum))
	case !ch.CanaryKnown:
		ch.Verdict = inconclusive
		ch.Why = fmt.Sprintf("%s cannot be computed for the canary", sp.name)
	case compared && !stableMeasured:
		ch.Verdict = inconclusive
		ch.Why = fmt.Sprintf("%s: the stable pods' sample of %s is below %s", sp.name, formatCount(ch.StableN), formatCount(sp.minimum))
	default:
		ch.Verdict = pass
	}
}

// suggestiveP is the p-value below which a rate test's evidence of a material
// increase holds the step: the canary's errors or timeouts are then likely worse,
// only the judge's confidence (α, about 0.0014 per test by default) is not reached.
// Passing there lets a regression through whenever a step ends before its test
// has enough failures: a canary pod at 1.5 % 5xx against the stable pods' 0.1 %
// makes about five errors in its 30 s at 25 %, while the test needs nine or so.
// Holding costs an identical canary little: its test is a supermartingale, so by
// Ville's inequality it ever reaches p ≤ 0.05 in at most 5 % of rollouts, and the
// increase must be material too at the same analysis; a hold is Inconclusive, not
// Fail, so the false-failure bound is untouched. One or two failures never hold: with
// m failures in all, the test's mixture is at most the mean over riskRatios of
// r^m / (π r + 1 − π)^m, which for m ≤ 2 stays below 20 at the canary's share π of
// the trials of a compared step (π ≥ 0.25 at four replicas).
const suggestiveP = 0.05

// suggested reports whether a compared check's increase is material and its test
// below suggestiveP: the effect is there, the confidence is not yet.
func suggested(ch Check, sp spec) bool {
	return ch.EffectKnown && ch.P <= suggestiveP && ch.P > ch.Alpha &&
		enough(ch.CanaryN, sp.minimum) && sp.material(ch.Increase, ch.Ratio)
}
