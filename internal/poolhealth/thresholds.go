package poolhealth

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/metricnames"
)

// Names of the checks in AnalysisResult.Metrics.
const (
	CheckAcquires            = "acquires"
	CheckAcquireWaitP99      = "acquireWaitP99"
	CheckPoolUtilization     = "poolUtilization"
	CheckAcquireTimeoutRatio = "acquireTimeoutRatio"
	CheckErrorRatio          = "errorRatio"
	CheckP99VsStable         = "acquireWaitP99VsStable"
	CheckMode                = "mode"
)

const unknownValue = "unknown"

// check is one line of the verdict: the API's metric result plus the words that
// explain it when it fails or cannot be judged.
type check struct {
	v1alpha1.MetricResult
	why string
}

// JudgeThresholds is the canary verdict: it judges the canary's measures against the
// thresholds of spec.rollout.analysis (Criteria, whose defaults are stated once, in
// api/v1alpha1). It is not the server's own pool-health verdict (poolstats.ServerHealth,
// shown in /monitoring/database), which has other limits and another purpose.
//
// stable, when not nil, is the stable pods' measures over the same interval, used for
// the relative p99 check when they made at least MinAcquires acquires (otherwise that
// check is left out). The result's Time and Step are left for the caller.
//
// The verdict, in order:
//   - fewer than MinAcquires acquires (or no acquire count at all): Inconclusive,
//     whatever the other values say, since they rest on too few samples;
//   - any value above its threshold: Fail (a value exactly at the threshold passes);
//   - a canary pod that was not measured for the whole interval, a value that could
//     not be computed, or pods running another mode than the canary's: Inconclusive;
//   - otherwise Pass.
func JudgeThresholds(canary Measures, stable *Measures, c Criteria) v1alpha1.AnalysisResult {
	enough := canary.Acquires.Known && canary.Acquires.V >= c.MinAcquires
	checks := []check{
		minimumCheck(CheckAcquires, canary.Acquires, c.MinAcquires, canary.Window),
		maximumCheck(CheckAcquireWaitP99, canary.AcquireWaitP99, c.MaxAcquireWaitP99.Seconds(), formatSeconds),
		maximumCheck(CheckPoolUtilization, canary.Utilization, c.MaxPoolUtilization, formatRatio),
		maximumCheck(CheckAcquireTimeoutRatio, canary.TimeoutRatio, c.MaxAcquireTimeoutRatio, formatRatio),
		maximumCheck(CheckErrorRatio, canary.ErrorRatio, c.MaxErrorRatio, formatRatio),
	}
	if ch, ok := relativeCheck(canary, stable, c); ok {
		checks = append(checks, ch)
	}
	if c.Mode != "" {
		checks = append(checks, modeCheck(canary.Modes, c.Mode))
	}

	result := v1alpha1.AnalysisResult{Metrics: make([]v1alpha1.MetricResult, 0, len(checks))}
	var failed, undecided []string
	for _, ch := range checks {
		if !enough {
			ch.Verdict = v1alpha1.VerdictInconclusive
		}
		switch ch.Verdict {
		case v1alpha1.VerdictFail:
			failed = append(failed, ch.why)
		case v1alpha1.VerdictInconclusive:
			undecided = append(undecided, ch.why)
		}
		result.Metrics = append(result.Metrics, ch.MetricResult)
	}

	switch {
	case !enough:
		result.Verdict = v1alpha1.VerdictInconclusive
		result.Message = checks[0].why
	case len(failed) > 0:
		result.Verdict = v1alpha1.VerdictFail
		result.Message = "canary failed: " + strings.Join(failed, "; ")
	case len(canary.Gaps) > 0:
		result.Verdict = v1alpha1.VerdictInconclusive
		result.Message = "canary measurement incomplete: " + strings.Join(canary.Gaps, "; ")
	case len(undecided) > 0:
		result.Verdict = v1alpha1.VerdictInconclusive
		result.Message = "cannot judge " + strings.Join(undecided, "; ")
	default:
		result.Verdict = v1alpha1.VerdictPass
		result.Message = fmt.Sprintf("canary within every threshold over %s: %s acquires from %s", formatWindow(canary.Window), formatCount(canary.Acquires.V), countPods(canary.Pods))
	}
	return result
}

func minimumCheck(name string, v Value, limit float64, window time.Duration) check {
	ch := check{MetricResult: v1alpha1.MetricResult{Name: name, Value: unknownValue, Threshold: ">= " + formatCount(limit)}}
	switch {
	case !v.Known:
		ch.Verdict = v1alpha1.VerdictInconclusive
		ch.why = fmt.Sprintf("no acquire count: %s", v.Why)
	case v.V < limit:
		ch.Value = formatCount(v.V)
		ch.Verdict = v1alpha1.VerdictInconclusive
		ch.why = fmt.Sprintf("the canary made %s connection acquires in %s, fewer than minAcquires %s", formatCount(v.V), formatWindow(window), formatCount(limit))
	default:
		ch.Value = formatCount(v.V)
		ch.Verdict = v1alpha1.VerdictPass
	}
	return ch
}

func maximumCheck(name string, v Value, limit float64, format func(float64) string) check {
	ch := check{MetricResult: v1alpha1.MetricResult{Name: name, Value: unknownValue, Threshold: "<= " + format(limit)}}
	switch {
	case !v.Known:
		ch.Verdict = v1alpha1.VerdictInconclusive
		ch.why = fmt.Sprintf("%s: %s", name, v.Why)
	case v.V > limit:
		ch.Value = format(v.V)
		ch.Verdict = v1alpha1.VerdictFail
		ch.why = fmt.Sprintf("%s %s is above the threshold %s", name, format(v.V), format(limit))
	default:
		ch.Value = format(v.V)
		ch.Verdict = v1alpha1.VerdictPass
	}
	return ch
}

// relativeNoiseFloor is the smallest canary acquire-wait p99 the relative check judges.
// Waits under a millisecond are nothing next to a request, and on a busy node their
// p99 is scheduling noise: end-to-end runs saw healthy async canaries at 200µs and
// 750µs against warm stable pods at 99µs and 174µs, more than twice but meaningless.
const relativeNoiseFloor = 0.001 // seconds

// relativeCheck compares the canary's p99 with the stable pods'. It only applies when
// it is turned on and the stable pods were fully measured with enough acquires. A
// canary p99 below relativeNoiseFloor or inside the histogram's lowest bucket passes,
// since a ratio of two such waits is noise.
func relativeCheck(canary Measures, stable *Measures, c Criteria) (check, bool) {
	if c.MaxP99VsStable <= 0 || stable == nil || len(stable.Gaps) > 0 ||
		!stable.Acquires.Known || stable.Acquires.V < c.MinAcquires || !stable.AcquireWaitP99.Known {
		return check{}, false
	}
	limit := c.MaxP99VsStable * stable.AcquireWaitP99.V
	threshold := fmt.Sprintf("<= %s x stable %s = %s", formatRatio(c.MaxP99VsStable), formatSeconds(stable.AcquireWaitP99.V), formatSeconds(limit))
	if limit < relativeNoiseFloor {
		threshold = fmt.Sprintf("<= %s x stable %s, at least %s", formatRatio(c.MaxP99VsStable), formatSeconds(stable.AcquireWaitP99.V), formatSeconds(relativeNoiseFloor))
	}
	ch := check{MetricResult: v1alpha1.MetricResult{Name: CheckP99VsStable, Value: unknownValue, Threshold: threshold}}
	p99 := canary.AcquireWaitP99
	switch {
	case !p99.Known:
		ch.Verdict = v1alpha1.VerdictInconclusive
		ch.why = fmt.Sprintf("%s: %s", CheckP99VsStable, p99.Why)
	case p99.V > limit && p99.V > relativeNoiseFloor && p99.V > canary.WaitResolution:
		ch.Value = formatSeconds(p99.V)
		ch.Verdict = v1alpha1.VerdictFail
		ch.why = fmt.Sprintf("%s: acquire-wait p99 %s is more than %s times the stable pods' %s (limit %s)", CheckP99VsStable,
			formatSeconds(p99.V), formatRatio(c.MaxP99VsStable), formatSeconds(stable.AcquireWaitP99.V), formatSeconds(max(limit, relativeNoiseFloor)))
	default:
		ch.Value = formatSeconds(p99.V)
		ch.Verdict = v1alpha1.VerdictPass
	}
	return ch, true
}

// modeCheck makes sure the canary pods run the mode of the revision under test: pods
// that report another mode are not measuring the change being rolled out.
func modeCheck(modes map[string]int, want string) check {
	ch := check{MetricResult: v1alpha1.MetricResult{Name: CheckMode, Value: unknownValue, Threshold: want}}
	if len(modes) == 0 {
		ch.Verdict = v1alpha1.VerdictInconclusive
		ch.why = fmt.Sprintf("%s: %s is not reported", CheckMode, metricnames.Mode)
		return ch
	}
	names := slices.Sorted(maps.Keys(modes))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s:%d", n, modes[n])
	}
	ch.Value = strings.Join(parts, ",")
	if len(modes) == 1 && modes[want] > 0 {
		ch.Value = want
		ch.Verdict = v1alpha1.VerdictPass
		return ch
	}
	ch.Verdict = v1alpha1.VerdictInconclusive
	ch.why = fmt.Sprintf("%s: canary pods report %s, the canary revision runs %s", CheckMode, ch.Value, want)
	return ch
}

// countPods writes a number of pods in words that read right for one pod too.
func countPods(n int) string {
	if n == 1 {
		return "1 pod"
	}
	return fmt.Sprintf("%d pods", n)
}
