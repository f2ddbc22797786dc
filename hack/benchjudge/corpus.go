package main

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// group is what a scenario's change is, and so which outcome is right.
type group string

const (
	// groupAA: a revision that changes nothing that matters; right is promoted, a
	// rollback is a false failure.
	groupAA group = "A/A"
	// groupImprovement: a change that helps; right is promoted.
	groupImprovement group = "improvement"
	// groupRegression: a change that hurts the canary's users; right is rolled back.
	groupRegression group = "regression"
	// groupShared: an A/A revision during a fault every pod shares; right is neither a
	// rollback nor a promotion while the fault lasts.
	groupShared group = "shared fault"
)

// fault is what the benchmark does to the database during a shared-fault scenario.
type fault string

const (
	faultNone    fault = ""
	faultStopped fault = "database stopped"
	faultSlowed  fault = "database slowed"
)

// revision is a database revision: what a scenario starts from or changes to.
type revision struct {
	async bool
	pool  iapiv1alpha1.PoolSpec
}

// scenario is one row of the corpus: a baseline revision both instances start on, the
// change made to them at each repetition, the traffic, and for shared faults the
// fault.
type scenario struct {
	name  string
	group group
	// what the change is, for the report.
	what string
	base revision
	// change is the revision of repetition k (0, 1, …): A/A changes differ in every
	// repetition, so that a rolled-back one is never the spec of the next.
	change func(k int) revision
	load   loadProfile
	// interval is spec.rollout.analysis.interval: 30 s (the API's default) where the
	// time to a rollback decision is measured, 5 s (the shortest) elsewhere, so that
	// a promotion takes half a minute rather than two.
	interval time.Duration
	// firstPause, when set, is the first step's pause with the 30 s interval instead
	// of one interval: a regression below every ceiling is told from noise only by
	// enough requests (docs/rollouts.md, "Not passing on thin evidence").
	firstPause time.Duration
	fault      fault
}

// pool is a pool spec in a line.
func pool(size, overflow int32, timeout, recycle time.Duration) iapiv1alpha1.PoolSpec {
	return iapiv1alpha1.PoolSpec{
		Size: size, MaxOverflow: ptr.To(overflow),
		Timeout: &metav1.Duration{Duration: timeout}, Recycle: &metav1.Duration{Duration: recycle},
	}
}

// smallPool is the e2e suite's pool (5 + 5) with the API's timeout and recycle.
var smallPool = pool(5, 5, 30*time.Second, time.Hour)

// aaChange keeps the baseline but for the recycle age, a second longer at every
// repetition: an hour against an hour and k+1 seconds changes nothing the pods do
// within a rollout, yet it is a new revision, rolled out as a canary.
func aaChange(base revision) func(int) revision { return fresh(base) }

// fresh is a change's revision at repetition k: r with its recycle age a little
// longer (a second per repetition for ages of an hour, a millisecond for shorter
// ones), which changes nothing the pods do within a rollout. A revision promoted once
// (an improvement, or a regression a judge missed), patched back and then asked for
// again is a fast rollback, applied without a canary (docs/rollouts.md); a new
// revision at every repetition keeps each one a canary.
func fresh(r revision) func(int) revision {
	return func(k int) revision {
		out := r
		age := r.pool.Recycle.Duration
		step := time.Millisecond
		if age >= time.Hour {
			step = time.Second
		}
		out.pool.Recycle = &metav1.Duration{Duration: age + time.Duration(k+1)*step}
		return out
	}
}

// corpus is every scenario, in the order they run.
func corpus() []scenario {
	syncSmall := revision{pool: smallPool}
	tiny := revision{pool: pool(2, 0, 30*time.Second, time.Hour)}
	return []scenario{
		{name: "aa-steady", group: groupAA, what: "recycle 1h → 1h0m(k+1)s, steady load", base: syncSmall, change: aaChange(syncSmall), load: steady, interval: 5 * time.Second},
		{name: "aa-bursty", group: groupAA, what: "recycle 1h → 1h0m(k+1)s, bursty load", base: syncSmall, change: aaChange(syncSmall), load: bursty, interval: 5 * time.Second},
		{name: "aa-low", group: groupAA, what: "recycle 1h → 1h0m(k+1)s, low load", base: syncSmall, change: aaChange(syncSmall), load: low, interval: 5 * time.Second},

		{name: "sync-to-async", group: groupImprovement, what: "sync → async (pool 5+5), steady load", base: syncSmall,
			change: fresh(revision{async: true, pool: smallPool}), load: steady, interval: 5 * time.Second},
		{name: "larger-pool", group: groupImprovement, what: "sync pool 2+0 → 10+0, bursty load", base: tiny,
			change: fresh(revision{pool: pool(10, 0, 30*time.Second, time.Hour)}), load: bursty, interval: 5 * time.Second},

		{name: "starving-pool", group: groupRegression, what: "pool 5+5 → 1+0 with a 50ms timeout, 12 clients back to back", base: syncSmall,
			change: fresh(revision{pool: pool(1, 0, 50*time.Millisecond, time.Hour)}), load: starving, interval: 30 * time.Second},
		{name: "overflow-0-bursts", group: groupRegression, what: "pool 2+8 → 2+0, bursty load", base: revision{pool: pool(2, 8, 30*time.Second, time.Hour)},
			change: fresh(tiny), load: bursty, interval: 30 * time.Second},
		{name: "timeout-too-short", group: groupRegression, what: "pool 2+0: timeout 30s → 10ms, bursty load", base: tiny,
			change: fresh(revision{pool: pool(2, 0, 10*time.Millisecond, time.Hour)}), load: bursty, interval: 30 * time.Second},
		{name: "recycle-churn", group: groupRegression, what: "pool 5+5: recycle 1h → 200ms, steady load", base: syncSmall,
			change: fresh(revision{pool: pool(5, 5, 30*time.Second, 200*time.Millisecond)}), load: steady, interval: 30 * time.Second},
		{name: "5xx-below-limit", group: groupRegression, what: "pool 2+0: timeout 30s → 15ms, steady load (a few 503s, below the 2 % ceiling), first step 60s", base: tiny,
			change: fresh(revision{pool: pool(2, 0, 15*time.Millisecond, time.Hour)}), load: steady, interval: 30 * time.Second, firstPause: time.Minute},

		{name: "db-stopped", group: groupShared, what: "A/A revision; PostgreSQL stopped for 15s in step 1", base: syncSmall, change: aaChange(syncSmall),
			load: steady, interval: 5 * time.Second, fault: faultStopped},
		{name: "db-slowed", group: groupShared, what: "A/A revision; every database reply delayed 30ms for 15s in step 1", base: syncSmall, change: aaChange(syncSmall),
			load: steady, interval: 5 * time.Second, fault: faultSlowed},
	}
}

// rolloutFor is the rollout of a scenario's instances under one judge. With the 30 s
// interval, one compared step of 25 % (for one interval, or firstPause) and then
// 100 %: a regression is judged in the first step, and a missed one is promoted
// within about a minute. With 5 s, the e2e suite's 25 % / 50 % / 100 % with 10 s
// pauses.
func rolloutFor(sc scenario, judge iapiv1alpha1.AnalysisJudge) iapiv1alpha1.RolloutSpec {
	steps := []iapiv1alpha1.RolloutStep{
		{Weight: 25, Pause: &metav1.Duration{Duration: 10 * time.Second}},
		{Weight: 50, Pause: &metav1.Duration{Duration: 10 * time.Second}},
		{Weight: 100},
	}
	if sc.interval >= 30*time.Second {
		steps = []iapiv1alpha1.RolloutStep{{Weight: 25, Pause: &metav1.Duration{Duration: max(sc.interval, sc.firstPause)}}, {Weight: 100}}
	}
	inconclusive := int32(4)
	if sc.group == groupShared {
		// The fault's analyses are Inconclusive; the rollout must outlive them to show
		// what happens after the fault.
		inconclusive = 20
	}
	return iapiv1alpha1.RolloutSpec{
		Steps: steps,
		Analysis: iapiv1alpha1.AnalysisSpec{
			Interval:          &metav1.Duration{Duration: sc.interval},
			FailureLimit:      1,
			InconclusiveLimit: inconclusive,
			MinAcquires:       ptr.To[int32](10),
			Judge:             judge,
		},
		ProgressDeadline: &metav1.Duration{Duration: 3 * time.Minute},
		OnFailure:        iapiv1alpha1.FailureRollback,
	}
}
