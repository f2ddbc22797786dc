package main

import (
	"fmt"
	"strings"
	"time"
)

// The seed's performance goals (issue 2, "Benchmark").
const (
	goalConcurrency     = 256  // where throughput, latency, RSS and read goals are judged
	goalHighConcurrency = 1024 // where "serves with no errors" is judged
	goalSpeedup         = 5.0
	goalP99             = 150 * time.Millisecond
	goalRSSReduction    = 0.20
	goalReadVsPgbench   = 0.50
)

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
	g := goal{Name: fmt.Sprintf("async read throughput ≥ %.0f %% of pgbench TPS (same statements) at %d clients", goalReadVsPgbench*100, goalConcurrency), Verdict: notMeasured}
	a, pg := r.find("async", goalConcurrency), r.pgbenchAfter(goalConcurrency)
	if a == nil || a.Read.Requests == 0 || pg == nil || pg.Result.TPS == 0 {
		return g
	}
	share := a.Read.OKRPS / pg.Result.TPS
	g.Measured = fmt.Sprintf("%.0f %% (async %.0f ok req/s vs pgbench %.0f TPS right after)", share*100, a.Read.OKRPS, pg.Result.TPS)
	g.Verdict = judge(share >= goalReadVsPgbench)
	return g
}

func judge(ok bool) verdict {
	if ok {
		return met
	}
	return notMet
}
