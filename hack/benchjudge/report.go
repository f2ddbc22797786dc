package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/hack/benchdoc"
)

// section is this benchmark's part of docs/benchmarks.md.
var section = benchdoc.Section{
	Heading: "## The canary judges on the local cluster",
	Start:   "<!-- bench-judge:start -->",
	End:     "<!-- bench-judge:end -->",
}

// The goals of issue 9.
const (
	goalFalseFailure = 0.01
	goalDetection    = 0.99
	goalDecision     = 3 * time.Second
	goalFewerFailed  = 5.0
)

// rightOutcome is the outcome a scenario's group calls right.
func rightOutcome(g group) outcome {
	if g == groupRegression {
		return outcomeRolledBack
	}
	return outcomePromoted
}

func renderReport(res *results) string {
	var b strings.Builder
	m := res.meta
	fmt.Fprintf(&b, "Written by `make bench-judge` (`go run ./hack/benchjudge`) on %s UTC; the run took %s.\n\n",
		m.started.Format("2006-01-02 15:04"), m.ended.Sub(m.started).Round(time.Minute))
	fmt.Fprintf(&b, "**Machine:** %s; 1-minute load average %s at the start and %s at the end (other engineers' builds and tests share the 2 CPUs). "+
		"**Node:** %s (%s).\n\n", m.machine, m.loadStart, m.loadEnd, m.node, m.nodeReason)
	fmt.Fprintf(&b, "**Setup:** the local cluster (test/localcluster) with real `interviewapi-server` pods and its throwaway PostgreSQL 15. "+
		"Each scenario creates one InterviewAPI of %d replicas under each judge, side by side: its own namespace, database and operator "+
		"(bin/interviewapi-operator as a local process watching only that namespace), the same baseline, the same traffic profile through "+
		"its own Service (hack/loadgen via test/e2e/framework: parse-jd, analyze-answer ×3, sessions/:id, services, each on a new connection), "+
		"and the same change at the same moment; every scenario is repeated %d times. Every pod reaches PostgreSQL through a loopback proxy of the benchmark, "+
		"which copies bytes and, for the slowed-database fault only, holds each reply %s. "+
		"Rollouts: failureLimit 1, minAcquires 10, the defaults of every other analysis field (Compare: confidence 0.99, sampled every 1s); "+
		"interval 30s (the API's default) with steps 25 %% for 30s (60s for 5xx-below-limit, whose few errors need the requests) then 100 %% for regressions, where the time to a decision is the point; "+
		"interval 5s with 25 %% / 50 %% for 10s each, then 100 %%, elsewhere. A/A changes move the pool's recycle age from 1h to 1h plus a few "+
		"seconds, a new revision that changes nothing the pods do within a rollout; every other change does the same besides its own, so that "+
		"each repetition is a new revision, rolled out as a canary (one promoted before would be a fast rollback). A run in which no canary "+
		"pod of the revision ever served is counted apart (\"without a canary\") and in no rate.\n\n", replicas, m.runs, slowDelay)

	b.WriteString("| scenario | change | load | judge | promoted | rolled back | other | right outcome (95 % interval) | canary ready → decision (median / max) | failed requests (all runs) | load avg |\n")
	b.WriteString("|---|---|---|---|---:|---:|---:|---|---|---:|---:|\n")
	for _, name := range res.order {
		for _, j := range judges {
			c := res.cell(name, j)
			if c == nil {
				continue
			}
			right := outcomeRolledBack
			if rightOutcome(c.sc.group) == outcomePromoted {
				right = outcomePromoted
			}
			r := wilson(c.count(right), len(c.runs), 0.95)
			rightCol := r.String()
			if c.sc.group == groupShared {
				rightCol = "see the goals"
			}
			other := fmt.Sprint(len(c.runs) - c.count(outcomePromoted) - c.count(outcomeRolledBack))
			if c.skipped > 0 {
				other += fmt.Sprintf(" (+%d without a canary)", c.skipped)
			}
			fmt.Fprintf(&b, "| %s (%s) | %s | %s | %s | %d | %d | %s | %s | %s | %d | %s |\n",
				name, c.sc.group, c.sc.what, c.sc.load.name, j, c.count(outcomePromoted), c.count(outcomeRolledBack),
				other, rightCol,
				durations(c.decisionTimes(c.outcomeOf())), c.failed(), c.loadAvg)
		}
	}
	b.WriteString("\n\"Canary ready\" is the first moment the benchmark saw a canary pod ready, \"decision\" the first moment it saw the rollout promoted or " +
		"rolled back (both polled every 100–200 ms); the column is over the runs whose outcome was the scenario's majority. Failed requests are the " +
		"instance's traffic that got no 2xx from the patch to the outcome, and after a rollback until every pod was back on the stable revision.\n\n")

	writeGoals(&b, res)
	writeCost(&b, res)
	if len(m.errors) > 0 {
		b.WriteString("\n**Scenarios cut short** (their runs so far are counted above):\n\n")
		for _, e := range m.errors {
			fmt.Fprintf(&b, "- %s\n", e)
		}
	}
	fmt.Fprintf(&b, "\nReproduce: `make bench-judge` (`BENCH_ARGS='--runs 1 --scenarios aa-steady,starving-pool'` for a part; `go run ./hack/benchjudge --help` for the knobs).\n")
	return b.String()
}

// outcomeOf is the scenario's most frequent outcome (the right one on a tie).
func (c *cell) outcomeOf() outcome {
	right := rightOutcome(c.sc.group)
	other := outcomePromoted
	if right == outcomePromoted {
		other = outcomeRolledBack
	}
	if c.count(other) > c.count(right) {
		return other
	}
	return right
}

func writeGoals(b *strings.Builder, res *results) {
	b.WriteString("### Goals (issue 9)\n\n| goal | Compare | Threshold | verdict (Compare) |\n|---|---|---|---|\n")
	row := func(goal string, cmp, thr, verdict string) {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", goal, cmp, thr, verdict)
	}
	rates := func(g group, o outcome) map[iapiv1alpha1.AnalysisJudge]rate {
		out := map[iapiv1alpha1.AnalysisJudge]rate{}
		for _, j := range judges {
			runs := res.group(g, j)
			k := 0
			for _, r := range runs {
				if r.outcome == o {
					k++
				}
			}
			out[j] = wilson(k, len(runs), 0.95)
		}
		return out
	}
	cmp, thr := iapiv1alpha1.JudgeCompare, iapiv1alpha1.JudgeThreshold

	aa := rates(groupAA, outcomeRolledBack)
	row("A/A false failures ≤ 1 % (steady, bursty, low load)", aa[cmp].String(), aa[thr].String(), atMost(aa[cmp], goalFalseFailure))
	imp := rates(groupImprovement, outcomePromoted)
	row("improvements promoted: 100 %", imp[cmp].String(), imp[thr].String(), atLeast(imp[cmp], 1))
	det := rates(groupRegression, outcomeRolledBack)
	row("regressions detected ≥ 99 %", det[cmp].String(), det[thr].String(), atLeast(det[cmp], goalDetection))

	times := map[iapiv1alpha1.AnalysisJudge][]time.Duration{}
	for _, j := range judges {
		if c := res.cell("starving-pool", j); c != nil {
			times[j] = c.decisionTimes(outcomeRolledBack)
		}
	}
	verdict := "not measured"
	if c := res.cell("starving-pool", cmp); c != nil {
		worst := time.Duration(-1)
		if ts := times[cmp]; len(ts) > 0 {
			worst = ts[len(ts)-1]
		}
		switch {
		case len(times[cmp]) < len(c.runs):
			verdict = fmt.Sprintf("**not met**: %d of %d runs not rolled back", len(c.runs)-len(times[cmp]), len(c.runs))
		case worst <= goalDecision:
			verdict = fmt.Sprintf("**met** in every run (%d)", len(c.runs))
		default:
			verdict = fmt.Sprintf("**not met**: the slowest run took %s", worst.Round(100*time.Millisecond))
		}
	}
	row("starving pool (interval 30s): canary ready → rollback decision ≤ 3 s", durations(times[cmp]), durations(times[thr]), verdict)

	// Failed requests per rolled-back run: a judge that misses a regression must not
	// look cheaper for it.
	type cost struct {
		failed int64
		runs   int
	}
	total := map[iapiv1alpha1.AnalysisJudge]cost{}
	var perScenario []string
	for _, name := range res.order {
		c, t := res.cell(name, cmp), res.cell(name, thr)
		if c == nil || t == nil || c.sc.group != groupRegression {
			continue
		}
		cf, cn := c.failedBeforeRollback()
		tf, tn := t.failedBeforeRollback()
		total[cmp] = cost{total[cmp].failed + cf, total[cmp].runs + cn}
		total[thr] = cost{total[thr].failed + tf, total[thr].runs + tn}
		perScenario = append(perScenario, fmt.Sprintf("%s %s vs %s", name, perRun(cf, cn), perRun(tf, tn)))
	}
	fewer := "not measured"
	if total[cmp].runs > 0 && total[thr].runs > 0 {
		c, t := float64(total[cmp].failed)/float64(total[cmp].runs), float64(total[thr].failed)/float64(total[thr].runs)
		fewer = "**not met**"
		if t >= goalFewerFailed*c {
			fewer = "**met**"
		}
		if c > 0 {
			fewer += fmt.Sprintf(": Threshold/Compare %.1f× per rollback", t/c)
		}
		fewer += fmt.Sprintf(" (per scenario, Compare vs Threshold: %s)", strings.Join(perScenario, "; "))
	}
	row("failed requests before the rollback: ≥ 5× fewer under Compare than Threshold (per rolled-back run)",
		perRun(total[cmp].failed, total[cmp].runs), perRun(total[thr].failed, total[thr].runs), fewer)

	shared := map[iapiv1alpha1.AnalysisJudge]string{}
	sharedVerdict := "not measured"
	for _, j := range judges {
		back, promoted, n := 0, 0, 0
		verdicts := map[string]int{}
		for _, name := range res.order {
			c := res.cell(name, j)
			if c == nil || c.sc.group != groupShared {
				continue
			}
			for _, r := range c.runs {
				n++
				for v, k := range r.faultVerdicts() {
					verdicts[v] += k
				}
				if !r.duringFault(c.sc.interval) {
					continue
				}
				switch r.outcome {
				case outcomeRolledBack:
					back++
				case outcomePromoted:
					promoted++
				}
			}
		}
		if n == 0 {
			continue
		}
		shared[j] = fmt.Sprintf("%d rollbacks, %d promotions in %d runs; analyses during the faults %s", back, promoted, n, formatVerdicts(verdicts))
		if j == cmp {
			sharedVerdict = "**not met**"
			if back == 0 && promoted == 0 {
				sharedVerdict = "**met**"
			}
		}
	}
	row("shared faults (database stopped, slowed): 0 rollbacks and 0 promotions during the fault", shared[cmp], shared[thr], sharedVerdict)
	b.WriteString("\nThe verdicts follow the intervals: **met** only when the whole 95 % interval meets the goal; **not met** when the observed rate " +
		"misses it; otherwise the runs met it but are too few to show it. \"During the fault\" is from its start to one analysis interval after its end.\n\n")
}

func writeCost(b *strings.Builder, res *results) {
	b.WriteString("### The cost of sampling every second\n\n")
	for _, j := range judges {
		cpu, rolling := res.operatorCost(j)
		if rolling <= 0 {
			continue
		}
		fmt.Fprintf(b, "- Operator, %s judge: %s of CPU over %s of rollouts (one instance rolling at a time): **%.0f ms of CPU per rollout-minute** (%.2f %% of a core).\n",
			j, cpu.Round(10*time.Millisecond), rolling.Round(time.Second), float64(cpu.Milliseconds())/rolling.Minutes(), 100*cpu.Seconds()/rolling.Seconds())
	}
	s := res.scrape
	switch {
	case s.err != "":
		fmt.Fprintf(b, "- Server pod's /metrics: not measured (%s).\n", s.err)
	case s.scrapes > 0:
		fmt.Fprintf(b, "- Server pod's /metrics: %d scrapes one after another on one connection (no other traffic) took %s of the pod process's CPU "+
			"(%s of it what the process used idle over as long), **%s of CPU per scrape**, %d bytes each; sampled once a second, a pod spends %.2f %% of a core on it.\n",
			s.scrapes, s.cpu.Round(10*time.Millisecond), s.idle.Round(10*time.Millisecond), perScrape(s), s.bytes, 100*s.perScrape().Seconds())
	}
}

func perScrape(s scrapeCost) string {
	return fmt.Sprintf("%.2f ms", float64(s.perScrape().Microseconds())/1000)
}

// atMost judges a rate against a goal it must not exceed.
func atMost(r rate, goal float64) string {
	switch {
	case r.n == 0:
		return "not measured"
	case r.hi <= goal:
		return "**met**"
	case r.share() > goal:
		return "**not met**"
	default:
		return fmt.Sprintf("met by the runs, **not shown**: the interval reaches %s", percent(r.hi))
	}
}

// atLeast judges a rate against a goal it must reach.
func atLeast(r rate, goal float64) string {
	switch {
	case r.n == 0:
		return "not measured"
	case r.lo >= goal:
		return "**met**"
	case r.share() < goal:
		return "**not met**"
	default:
		return fmt.Sprintf("met by the runs, **not shown**: the interval reaches down to %s", percent(r.lo))
	}
}

// durations writes the median and the largest of sorted durations.
func durations(ds []time.Duration) string {
	if len(ds) == 0 {
		return "—"
	}
	ds = slices.Sorted(slices.Values(ds))
	return fmt.Sprintf("%s / %s", ds[len(ds)/2].Round(100*time.Millisecond), ds[len(ds)-1].Round(100*time.Millisecond))
}

// perRun writes failed requests per run: "12.5 (50 in 4)".
func perRun(failed int64, runs int) string {
	if runs == 0 {
		return "no rollback"
	}
	return fmt.Sprintf("%.1f (%d in %d)", float64(failed)/float64(runs), failed, runs)
}

func formatVerdicts(v map[string]int) string {
	if len(v) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range []string{iapiv1alpha1.VerdictPass, iapiv1alpha1.VerdictFail, iapiv1alpha1.VerdictInconclusive} {
		if v[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, v[k]))
		}
	}
	return strings.Join(parts, ", ")
}
