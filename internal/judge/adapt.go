package judge

import (
	"time"

	"github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/metricnames"
	"github.com/interviewapi/operator/internal/poolhealth"
)

// TrackOf reads a track from what a source measured of it: the increases of its
// pods' counters. A nil map or pointer in the delta (a metric some pod did not
// report) leaves the matching Has… flag false.
func TrackOf(d poolhealth.Delta) Track {
	t := Track{Pods: d.Pods, Waits: d.AcquireWait, Modes: d.Modes, Gaps: d.Gaps}
	if d.Acquires != nil {
		t.HasAcquires = true
		for result, n := range d.Acquires {
			t.Acquires += n
			if result == metricnames.ResultTimeout {
				t.Timeouts += n
			}
		}
	}
	if d.Requests != nil {
		t.HasRequests = true
		t.Requests, t.ServerErrors = d.Requests.Total, d.Requests.ServerErrors
	}
	if d.AcquiredSeconds != nil && d.CapacitySeconds != nil {
		t.HasUsage = true
		t.BusySeconds, t.CapacitySeconds = *d.AcquiredSeconds, *d.CapacitySeconds
	}
	return t
}

// ConfigFor reads the Compare judge's configuration from an analysis spec, filling
// in the schema's defaults for fields an object built in Go may have left empty.
// ceilings are the thresholds (poolhealth.CriteriaFor); comparedSteps is the number
// of the rollout's steps below 100 %; quarantine the longest pool timeout of the two
// revisions.
func ConfigFor(a v1alpha1.AnalysisSpec, ceilings poolhealth.Criteria, comparedSteps int, quarantine time.Duration) Config {
	c := a.Compare
	ratio := func(s, def string) float64 { return v1alpha1.Ratio(s, v1alpha1.Ratio(def, 0)) }
	cfg := Config{
		Ceilings:         ceilings,
		Confidence:       ratio(c.Confidence, v1alpha1.DefaultConfidence),
		ComparedSteps:    comparedSteps,
		MinWaitRatio:     ratio(c.MinWaitRatio, v1alpha1.DefaultMinWaitRatio),
		MinWaitIncrease:  c.MinWaitIncreaseOrDefault().Seconds(),
		MinRateRatio:     ratio(c.MinRateRatio, v1alpha1.DefaultMinRateRatio),
		MinRateIncrease:  ratio(c.MinRateIncrease, v1alpha1.DefaultMinRateIncrease),
		MinUsageIncrease: ratio(c.MinUtilizationIncrease, v1alpha1.DefaultMinUtilizationIncrease),
		Quarantine:       quarantine,
	}
	for _, name := range a.DryRun {
		cfg.DryRun = append(cfg.DryRun, string(name))
	}
	return cfg
}

// Result writes a verdict as the API's analysis result; its Step is left for the
// caller.
func Result(v Verdict, now time.Time) v1alpha1.AnalysisResult {
	r := v1alpha1.AnalysisResult{
		Verdict: v.Verdict,
		Message: v.Message,
		Judge:   v1alpha1.JudgeCompare,
		Early:   v.Decisive,
		Metrics: make([]v1alpha1.MetricResult, 0, len(v.Checks)),
	}
	r.Time.Time = now
	for _, ch := range v.Checks {
		m := v1alpha1.MetricResult{
			Name:          ch.Name,
			Value:         formatKnown(ch.Name, ch.Canary, ch.CanaryKnown),
			Threshold:     "<= " + formatValue(ch.Name, ch.Ceiling) + " and not worse than stable",
			Verdict:       ch.Verdict,
			CanarySamples: int64(ch.CanaryN),
			StableSamples: int64(ch.StableN),
			DryRun:        ch.DryRun,
		}
		if m.Verdict == "" {
			m.Verdict = v1alpha1.VerdictInconclusive
		}
		if ch.StableKnown {
			m.Stable = formatValue(ch.Name, ch.Stable)
		}
		if ch.EffectKnown {
			m.Effect = describeEffect(ch)
			m.PValue = formatP(ch.P)
			m.Alpha = formatP(ch.Alpha)
		}
		r.Metrics = append(r.Metrics, m)
	}
	return r
}
