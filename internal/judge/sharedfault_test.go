package judge

import (
	"strings"
	"testing"

	"github.com/interviewapi/operator/internal/poolhealth"
)

// TestSharedFaultRule is the rule's whole truth table.
func TestSharedFaultRule(t *testing.T) {
	for _, c := range []struct {
		stableAbove, canaryAbove, canaryWithin, canaryBetter bool
		want                                                 faultState
	}{
		// The stable pods within the ceiling: never a shared fault, whatever the
		// canary does (its own trouble is judged by the ceilings and the comparison).
		{false, false, false, false, noFault},
		{false, true, false, false, noFault},
		{false, false, true, false, noFault},
		{false, true, true, false, noFault},
		{false, false, false, true, noFault},
		{false, true, false, true, noFault},
		{false, false, true, true, noFault},
		{false, true, true, true, noFault},
		// The stable pods above it.
		{true, true, false, false, degradedAlike}, // database down for every pod
		{true, false, true, false, noFault},       // a larger pool beside a pool that queues
		{true, true, true, false, noFault},        // a canary above in one burst, within over its evidence
		{true, false, true, true, noFault},
		{true, true, true, true, noFault},
		{true, true, false, true, relieves},     // a new pod dialling in its first burst, far better than the stable pods
		{true, false, false, true, relieves},    // better, and above without the confidence
		{true, false, false, false, unresolved}, // a canary too thin to say anything, or above without the confidence
	} {
		if got := sharedFault(c.stableAbove, c.canaryAbove, c.canaryWithin, c.canaryBetter); got != c.want {
			t.Errorf("sharedFault(stable above %v, canary above %v, canary within %v, canary better %v) = %v, want %v",
				c.stableAbove, c.canaryAbove, c.canaryWithin, c.canaryBetter, got, c.want)
		}
	}
}

// handTrack is a track written by hand: fast waits in the lowest bucket, slow ones
// at 250ms (above the 100ms ceiling), timeouts at the +Inf bucket; one acquire per
// request.
func handTrack(pods int, fast, slow, timeouts, requests, errors float64) Track {
	h := &poolhealth.Histogram{Buckets: make([]poolhealth.Bucket, len(bounds))}
	for i, b := range bounds {
		h.Buckets[i].UpperBound = b
		h.Buckets[i].Count = fast
		if b >= 0.25 {
			h.Buckets[i].Count += slow
		}
	}
	h.Buckets[len(bounds)-1].Count += timeouts
	h.Count = h.Buckets[len(bounds)-1].Count
	return Track{Pods: pods, Waits: h, HasAcquires: true, HasRequests: true, HasUsage: true,
		Acquires: fast + slow + timeouts, Timeouts: timeouts, Requests: requests, ServerErrors: errors,
		BusySeconds: 3 * float64(pods), CapacitySeconds: 10 * float64(pods)}
}

// TestLookSharedFaultAndHolds judges single looks at the edges of the shared-fault
// rule and of the hold of a suggested rate increase.
func TestLookSharedFaultAndHolds(t *testing.T) {
	queued := handTrack(3, 270, 30, 0, 300, 0) // 10 % of its waits above the ceiling
	for _, c := range []struct {
		name           string
		canary, stable Track
		analysis       bool
		shared         bool
		verdict        string
		message        string
	}{
		{name: "stable pods above a ceiling beside a canary too thin to tell: inconclusive, no shared fault",
			canary: handTrack(1, 5, 0, 0, 5, 0), stable: queued, analysis: true,
			verdict: inconclusive, message: "too small to tell whether it degraded alike"},
		{name: "stable pods above a ceiling beside a canary measured within it: a pass",
			canary: handTrack(1, 100, 0, 0, 100, 0), stable: queued, analysis: true,
			verdict: pass, message: "no worse than the stable pods"},
		{name: "stable pods above a ceiling beside a canary above it without the confidence: inconclusive",
			canary: handTrack(1, 98, 2, 0, 100, 0), stable: queued, analysis: true,
			verdict: inconclusive, message: "a shared fault can be neither shown nor ruled out"},
		{name: "stable pods above a ceiling beside a canary above it and shown better: no shared fault, a pass",
			canary: handTrack(1, 290, 10, 0, 300, 0), stable: handTrack(3, 600, 300, 0, 900, 0), analysis: true,
			verdict: pass, message: "no worse than the stable pods"},
		{name: "both above with confidence: a shared fault",
			canary: handTrack(1, 70, 30, 0, 100, 0), stable: queued, analysis: true,
			shared: true, verdict: inconclusive, message: "stable pods degraded alike: acquireWaitP99"},
		// The first second of a database outage: the stable pods' requests fail at
		// once, the canary's (an async pool) time out, and its 8 requests cannot tell
		// yet whether its 5xx are above the ceiling.
		{name: "a failure beside an unresolved shared fault is held between analyses",
			canary: handTrack(1, 8, 0, 6, 8, 3), stable: handTrack(3, 299, 0, 1, 300, 291),
			verdict: "", message: "failure held: the stable pods are above the ceiling of errorRatio"},
		{name: "and inconclusive at an analysis",
			canary: handTrack(1, 8, 0, 6, 8, 3), stable: handTrack(3, 299, 0, 1, 300, 291), analysis: true,
			verdict: inconclusive, message: "failure held"},
		{name: "the same failure beside healthy stable pods is decisive",
			canary: handTrack(1, 8, 0, 6, 8, 3), stable: handTrack(3, 299, 0, 1, 300, 0),
			verdict: fail, message: "acquireTimeoutRatio"},
		{name: "five 5xx in 300 requests against none in 900 hold the step",
			canary: handTrack(1, 300, 0, 0, 300, 5), stable: handTrack(3, 900, 0, 0, 900, 0), analysis: true,
			verdict: inconclusive, message: "errorRatio 0.01667 against the stable pods' 0 (×∞, +0.01667) is material, and its test suggests it"},
		{name: "two 5xx in 300 requests against none in 900 do not",
			canary: handTrack(1, 300, 0, 0, 300, 2), stable: handTrack(3, 900, 0, 0, 900, 0), analysis: true,
			verdict: pass},
		{name: "seven 5xx in 300 requests against none in 900 fail",
			canary: handTrack(1, 300, 0, 0, 300, 7), stable: handTrack(3, 900, 0, 0, 900, 0), analysis: true,
			verdict: fail, message: "errorRatio 0.02333 is worse than the stable pods' 0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := benchDefaults()
			seq := NewSequence(cfg)
			v := seq.Look(Look{Canary: c.canary, Stable: c.stable, Analysis: c.analysis})
			if v.Verdict != c.verdict || !strings.Contains(v.Message, c.message) {
				t.Errorf("verdict %q: %s\nwant %q containing %q", v.Verdict, v.Message, c.verdict, c.message)
				for _, ch := range v.Checks {
					t.Logf("  %+v", ch)
				}
			}
			if v.SharedFault != c.shared || (seq.Restarts() > 0) != c.shared {
				t.Errorf("shared fault %v, restarts %d; want a shared fault %v", v.SharedFault, seq.Restarts(), c.shared)
			}
		})
	}
}
