package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/interviewapi/operator/hack/loadgen/loadgen"
)

// The seed's performance goals (issue 2, "Benchmark").
const (
	goalConcurrency     = 256  // where throughput, latency, RSS and read goals are judged
	goalHighConcurrency = 1024 // where "serves with no errors" is judged
	goalSpeedup         = 5.0
	goalP99             = 150 * time.Millisecond
	goalRSSReduction    = 0.20
	goalReadVsPgbench   = 0.50
	// Issue 11's server goals.
	goalParseJDCPU = 400 * time.Microsecond
)

// goalReadConcurrencies are where the read is compared with pgbench (issue 11).
var goalReadConcurrencies = []int{64, goalConcurrency}

// verdict of one goal.
type verdict string

const (
	met         verdict = "met"
	notMet      verdict = "not met"
	notMeasured verdict = "not measured"
)

// goal is one of the seed's goals with what was measured against it.
type goal struct {
	Name     string
	Measured string
	Verdict  verdict
}

// evaluateGoals judges each goal on the figures; a goal whose figures are missing is
// "not measured", never met.
func evaluateGoals(r results) []goal {
	return []goal{
		speedupGoal(r),
		p99Goal(r),
		noErrorsGoal(r),
		rssGoal(r),
		readGoal(r),
		parseJDCPUGoal(r),
		sweepGoal(r),
	}
}

func speedupGoal(r results) goal {
	g := goal{Name: fmt.Sprintf("async ≥ %.0f× sync throughput at %d clients (mixed workload)", goalSpeedup, goalConcurrency), Verdict: notMeasured}
	s, a := r.find("sync", goalConcurrency), r.find("async", goalConcurrency)
	if s == nil || a == nil {
		return g
	}
	if s.Mixed.OKRPS == 0 {
		g.Measured = fmt.Sprintf("async %.0f ok req/s, sync served nothing", a.Mixed.OKRPS)
		g.Verdict = judge(a.Mixed.OKRPS > 0)
		return g
	}
	ratio := a.Mixed.OKRPS / s.Mixed.OKRPS
	g.Measured = fmt.Sprintf("%.2f× (async %.0f vs sync %.0f ok req/s)", ratio, a.Mixed.OKRPS, s.Mixed.OKRPS)
	g.Verdict = judge(ratio >= goalSpeedup)
	return g
}

func p99Goal(r results) goal {
	g := goal{Name: fmt.Sprintf("async p99 ≤ %d ms at %d clients (mixed workload)", goalP99.Milliseconds(), goalConcurrency), Verdict: notMeasured}
	a := r.find("async", goalConcurrency)
	if a == nil || a.Mixed.Requests == 0 {
		return g
	}
	g.Measured = fmt.Sprintf("%s ms (sync: %s)", msText(a.Mixed.Latency.P99), syncP99(r))
	g.Verdict = judge(a.Mixed.Latency.P99 <= goalP99)
	return g
}

func syncP99(r results) string {
	if s := r.find("sync", goalConcurrency); s != nil && s.Mixed.Requests > 0 {
		return msText(s.Mixed.Latency.P99) + " ms"
	}
	return "not measured"
}

func noErrorsGoal(r results) goal {
	g := goal{Name: fmt.Sprintf("async serves %d concurrent clients with no errors", goalHighConcurrency), Verdict: notMeasured}
	a := r.find("async", goalHighConcurrency)
	if a == nil || a.Mixed.Requests == 0 || a.Read.Requests == 0 {
		return g
	}
	errs := a.Mixed.Errors + a.Read.Errors
	g.Measured = fmt.Sprintf("%d errors in %d requests (mixed %s; read %s)", errs, a.Mixed.Requests+a.Read.Requests, errorText(a.Mixed), errorText(a.Read))
	g.Verdict = judge(errs == 0)
	return g
}

// rssGoal holds at every measured concurrency, since "the same load" is any load both
// modes were given.
func rssGoal(r results) goal {
	g := goal{Name: fmt.Sprintf("async peak RSS ≥ %.0f %% below sync under the same load", goalRSSReduction*100), Verdict: notMeasured}
	var parts []string
	all := true
	for _, c := range r.concurrencies() {
		s, a := r.find("sync", c), r.find("async", c)
		if s == nil || a == nil || s.HWM == 0 || a.HWM == 0 {
			continue
		}
		reduction := 1 - float64(a.HWM)/float64(s.HWM)
		parts = append(parts, fmt.Sprintf("%d clients: %+.0f %% (%s vs %s MiB)", c, -reduction*100, mibText(a.HWM), mibText(s.HWM)))
		all = all && reduction >= goalRSSReduction
	}
	if len(parts) == 0 {
		return g
	}
	g.Measured = "async vs sync: " + strings.Join(parts, "; ")
	g.Verdict = judge(all)
	return g
}

func readGoal(r results) goal {
	g := goal{Name: fmt.Sprintf("async read throughput ≥ %.0f %% of pgbench TPS (same statements) at %s clients", goalReadVsPgbench*100, joinInts(goalReadConcurrencies, " and ")), Verdict: notMeasured}
	var parts []string
	all := true
	for _, c := range goalReadConcurrencies {
		a, pg := r.find("async", c), r.pgbenchAfter(c)
		if a == nil || a.Read.Requests == 0 || pg == nil || pg.Result.TPS == 0 {
			return g
		}
		share := a.Read.OKRPS / pg.Result.TPS
		parts = append(parts, fmt.Sprintf("%d clients: %.0f %% (async %.0f ok req/s vs pgbench %.0f TPS right after)", c, share*100, a.Read.OKRPS, pg.Result.TPS))
		all = all && share >= goalReadVsPgbench
	}
	g.Measured = strings.Join(parts, "; ")
	g.Verdict = judge(all)
	return g
}

// parseJDCPUGoal holds for both engines at every concurrency, on the parse-jd-only
// workload.
func parseJDCPUGoal(r results) goal {
	g := goal{Name: fmt.Sprintf("parse-jd ≤ %.1f ms of server CPU (parse-jd alone, both engines)", float64(goalParseJDCPU)/float64(time.Millisecond)), Verdict: notMeasured}
	var parts []string
	all := true
	for _, pt := range r.Points {
		ph := pt.endpoint(loadgen.OpParseJD)
		if ph == nil || ph.Summary.Requests == 0 {
			continue
		}
		cpu := serverCPUPerRequest(ph.Summary, ph.CPU)
		parts = append(parts, fmt.Sprintf("%s %d: %s ms", pt.Mode, pt.Concurrency, cpuMS(cpu)))
		all = all && cpu <= goalParseJDCPU
	}
	if len(parts) == 0 {
		return g
	}
	g.Measured = strings.Join(parts, "; ")
	g.Verdict = judge(all)
	return g
}

// sweepGoal is the seed's claim of 5–10× more concurrent requests in async mode,
// judged at the sweep's longest generator latency; the other latencies are listed.
func sweepGoal(r results) goal {
	g := goal{Name: fmt.Sprintf("seed's claim: async ≥ %.0f× sync parse-jd throughput (sweep, at its longest generator latency)", goalSpeedup), Verdict: notMeasured}
	var parts []string
	var longest time.Duration
	var ratioAtLongest float64
	found := false
	for _, sp := range r.Sweep {
		if sp.Mode != "async" {
			continue
		}
		s := r.sweepFind("sync", sp.Latency)
		if s == nil || s.Summary.OKRPS == 0 {
			continue
		}
		ratio := sp.Summary.OKRPS / s.Summary.OKRPS
		parts = append(parts, fmt.Sprintf("%s: %.2f×", sp.Latency, ratio))
		if !found || sp.Latency > longest {
			longest, ratioAtLongest, found = sp.Latency, ratio, true
		}
	}
	if !found {
		return g
	}
	g.Name = fmt.Sprintf("seed's claim: async ≥ %.0f× sync parse-jd throughput with a %s generator (sweep)", goalSpeedup, longest)
	g.Measured = strings.Join(parts, "; ")
	g.Verdict = judge(ratioAtLongest >= goalSpeedup)
	return g
}

func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, sep)
}

func judge(ok bool) verdict {
	if ok {
		return met
	}
	return notMet
}
