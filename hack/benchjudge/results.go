package main

import (
	"fmt"
	"slices"
	"sync"
	"time"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/e2e/framework"
)

// outcome is how one rollout ended.
type outcome string

const (
	outcomePromoted   outcome = "promoted"
	outcomeRolledBack outcome = "rolled back"
	// outcomeOther: Degraded, the rollout frozen (a limit or deadline reached);
	// outcomeTimedOut: no outcome within outcomeTimeout.
	outcomeOther outcome = "frozen"
	// outcomeNoCanary: promoted without a canary pod of the revision ever serving
	// (a fast rollback to a revision that ran as stable before); not a judged
	// rollout, so it counts in no rate.
	outcomeNoCanary outcome = "applied without a canary"
	outcomeTimedOut outcome = "timed out"
)

// verdictAt is one analysis of status.analyses.
type verdictAt struct {
	time    time.Time
	verdict string
}

// rollout is one rollout under one judge.
type rollout struct {
	judge   iapiv1alpha1.AnalysisJudge
	outcome outcome
	// detail is the RolledBack condition's message, or why the run ended otherwise.
	detail string
	// early: the rollback came from a sample before the interval's end (Compare).
	early bool
	// patched: the change was applied; canaryReady: its first pod first seen ready;
	// decided: the outcome first seen (the watch polls every 200 ms).
	patched, canaryReady, decided time.Time
	// load is the traffic from the patch until the outcome, and after a rollback until
	// every pod is back on the stable revision.
	load framework.Counts
	// cpu is the judge's operator's CPU time from the patch to the outcome.
	cpu      time.Duration
	verdicts []verdictAt
	// fault is the shared fault's window (zero without one).
	fault faultWindow
}

// readyToDecision is the time from the canary's first ready pod to the outcome, -1
// when the canary was never seen ready.
func (r rollout) readyToDecision() time.Duration {
	if r.canaryReady.IsZero() || r.decided.IsZero() {
		return -1
	}
	return r.decided.Sub(r.canaryReady)
}

// duringFault reports whether the outcome was decided while the fault lasted, or
// within one analysis interval after it (an analysis then still reads the fault's
// seconds).
func (r rollout) duringFault(interval time.Duration) bool {
	if r.fault.start.IsZero() || r.decided.IsZero() {
		return false
	}
	return !r.decided.Before(r.fault.start) && !r.decided.After(r.fault.end.Add(interval))
}

// faultVerdicts counts the analyses recorded while the fault lasted, by verdict.
func (r rollout) faultVerdicts() map[string]int {
	out := map[string]int{}
	if r.fault.start.IsZero() {
		return out
	}
	for _, v := range r.verdicts {
		// status times have whole seconds; a second of slack on each side.
		if !v.time.Before(r.fault.start.Add(-time.Second)) && !v.time.After(r.fault.end.Add(time.Second)) {
			out[v.verdict]++
		}
	}
	return out
}

func (r rollout) summary() string {
	s := string(r.outcome)
	if !r.decided.IsZero() {
		s += fmt.Sprintf(" after %s", r.decided.Sub(r.patched).Round(100*time.Millisecond))
	}
	if d := r.readyToDecision(); d >= 0 {
		s += fmt.Sprintf(" (%s after the canary was ready)", d.Round(100*time.Millisecond))
	}
	s += fmt.Sprintf("; load %s; operator CPU %s", r.load, r.cpu)
	if !r.fault.start.IsZero() {
		s += fmt.Sprintf("; fault %s–%s, verdicts during it %v", r.fault.start.Format("15:04:05"), r.fault.end.Format("15:04:05"), r.faultVerdicts())
	}
	if r.detail != "" {
		s += "; " + r.detail
	}
	return s
}

// cell is the runs of one scenario under one judge.
type cell struct {
	sc   scenario
	runs []rollout
	// skipped are the runs without a canary (outcomeNoCanary).
	skipped int
	// loadAvg is the machine's 1-minute load average after the last run.
	loadAvg string
}

func (c *cell) count(o outcome) int {
	n := 0
	for _, r := range c.runs {
		if r.outcome == o {
			n++
		}
	}
	return n
}

// failed is the failed requests of every run together.
func (c *cell) failed() int64 {
	var n int64
	for _, r := range c.runs {
		n += r.load.Failed
	}
	return n
}

// failedBeforeRollback is the failed requests of the runs that were rolled back, and
// how many those are.
func (c *cell) failedBeforeRollback() (failed int64, runs int) {
	for _, r := range c.runs {
		if r.outcome == outcomeRolledBack {
			failed += r.load.Failed
			runs++
		}
	}
	return failed, runs
}

// decisionTimes are the canary-ready → outcome times of the runs that ended with o.
func (c *cell) decisionTimes(o outcome) []time.Duration {
	var out []time.Duration
	for _, r := range c.runs {
		if d := r.readyToDecision(); r.outcome == o && d >= 0 {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

// results collect every run of the benchmark.
type results struct {
	mu     sync.Mutex
	order  []string
	cells  map[string]map[iapiv1alpha1.AnalysisJudge]*cell
	meta   runMeta
	scrape scrapeCost
}

// runMeta is what the report says about the run itself.
type runMeta struct {
	started, ended     time.Time
	loadStart, loadEnd string
	machine            string
	node, nodeReason   string
	runs               int
	scenarios          int
	errors             []string
}

func newResults() *results {
	return &results{cells: map[string]map[iapiv1alpha1.AnalysisJudge]*cell{}}
}

func (r *results) add(sc scenario, runs ...rollout) {
	r.mu.Lock()
	defer r.mu.Unlock()
	byJudge, ok := r.cells[sc.name]
	if !ok {
		byJudge = map[iapiv1alpha1.AnalysisJudge]*cell{}
		r.cells[sc.name] = byJudge
		r.order = append(r.order, sc.name)
	}
	for _, run := range runs {
		c, ok := byJudge[run.judge]
		if !ok {
			c = &cell{sc: sc}
			byJudge[run.judge] = c
		}
		if run.outcome == outcomeNoCanary {
			c.skipped++
		} else {
			c.runs = append(c.runs, run)
		}
		c.loadAvg = loadAverage()
	}
}

// cell returns the runs of a scenario under a judge (nil when none ran).
func (r *results) cell(name string, j iapiv1alpha1.AnalysisJudge) *cell {
	return r.cells[name][j]
}

// group gathers the runs of every scenario of a group under a judge.
func (r *results) group(g group, j iapiv1alpha1.AnalysisJudge) []rollout {
	var out []rollout
	for _, name := range r.order {
		if c := r.cells[name][j]; c != nil && c.sc.group == g {
			out = append(out, c.runs...)
		}
	}
	return out
}

// operatorCost is a judge's operator CPU over all its rollouts and their length.
func (r *results) operatorCost(j iapiv1alpha1.AnalysisJudge) (cpu, rolling time.Duration) {
	for _, name := range r.order {
		if c := r.cells[name][j]; c != nil {
			for _, run := range c.runs {
				if !run.decided.IsZero() {
					cpu += run.cpu
					rolling += run.decided.Sub(run.patched)
				}
			}
		}
	}
	return cpu, rolling
}
