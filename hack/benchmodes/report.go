package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/interviewapi/operator/hack/benchdoc"
	"github.com/interviewapi/operator/hack/loadgen/loadgen"
)

// The part of docs/benchmarks.md this program owns; everything outside the markers,
// including the section's heading and any hand-written reading of the figures after the
// end marker, is left as it is.
const (
	sectionHeading = "## Server: sync vs async engines"
	sectionStart   = "<!-- bench-modes:start -->"
	sectionEnd     = "<!-- bench-modes:end -->"
)

var docSection = benchdoc.Section{Heading: sectionHeading, Start: sectionStart, End: sectionEnd}

// updateSection replaces the bench-modes section of the document at path with section.
func updateSection(path, section string) error { return docSection.Update(path, section) }

// replaceSection puts section between the bench-modes markers of doc.
func replaceSection(doc, section string) (string, error) { return docSection.Replace(doc, section) }

// renderSection writes the markdown of the section from the results.
func renderSection(r results) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	s := r.Setup

	p("Written by `make bench-modes` (`go run ./hack/benchmodes`) on %s.\n\n", r.Date.UTC().Format("2006-01-02 15:04 MST"))
	p("**Machine:** %s. 1-minute load average %.2f at the start and %.2f at the end. ", r.Machine, r.Machine.LoadStart, r.Machine.LoadEnd)
	p("The load generator, PostgreSQL and the server share these %d CPUs, and other engineers' builds ran on them at the same time, so every figure is a floor of what the server does alone.\n\n", r.Machine.CPUs)
	p("**Setup:** one fresh server process per row (so that RSS belongs to that row), both modes with pool size %d + overflow %d (cap %d) and pool timeout 30 s, ", s.PoolSize, s.MaxOverflow, s.PoolSize+s.MaxOverflow)
	p("`GENERATOR_LATENCY=%s` (the built-in question generator waits that long once per parse-jd, standing for a model call), ", s.GeneratorLatency)
	p("a throwaway PostgreSQL 15 on the same machine (`hack/postgres.sh`: fsync off, `max_connections=%d`). ", s.PgMaxConnections)
	p("Closed-loop load from `hack/loadgen` (each client sends its next request when the previous one is answered), %s of warm-up then %s per workload; rows alternate sync and async at each concurrency so that both see the same background load.\n\n", s.Warmup, s.Duration)

	p("### Mixed workload: `%s`\n\n", s.MixedMix)
	p("parse-jd reads the skills taxonomy and the question bank, calls the generator (%s) and writes a session with its questions; the sync engine holds its connection across the generator call, the async engine does not.\n\n", s.GeneratorLatency)
	p("| mode | clients | ok req/s | p50 ms | p95 ms | p99 ms | max ms | errors | VmHWM MiB | VmRSS max MiB |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|\n")
	for _, pt := range r.Points {
		m := pt.Mixed
		p("| %s | %d | %.0f | %s | %s | %s | %s | %s | %s | %s |\n", pt.Mode, pt.Concurrency, m.OKRPS,
			msText(m.Latency.P50), msText(m.Latency.P95), msText(m.Latency.P99), msText(m.Latency.Max),
			errorText(m), mibText(pt.HWM), mibText(pt.PeakRSS))
	}
	p("\nMemory is the server's, from /proc/PID/status: VmHWM (peak resident set since the process started, read after warm-up and the mixed workload; the RSS goal uses it) and the highest VmRSS sampled every 200 ms during the mixed workload.\n\n")

	p("Where the machine's CPU went during the mixed workload (average cores busy, out of %d), and what the server's pool saw:\n\n", r.Machine.CPUs)
	p("| mode | clients | server | PostgreSQL | load generator | other processes | server CPU ms/req | mean acquire wait ms | connections closed |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, pt := range r.Points {
		p("| %s | %d | %s | %s | %s | %.0f |\n", pt.Mode, pt.Concurrency, cpuCells(pt.CPU, true), cpuPerRequest(pt),
			msText(pt.Pool.meanWait()), pt.Pool.Closed)
	}
	p("\nCPU times come from /proc: the server process, the PostgreSQL cluster (postmaster and every backend, including those of closed connections), this program (which runs the load generator), and the rest of the machine's busy time (/proc/stat), which is other engineers' work. The pool columns are the increase of `interviewapi_db_pool_acquire_duration_seconds` (sum / count) and `interviewapi_db_pool_connections_closed_total` over the workload.\n\n")

	p("### Read-only workload: `%s` (GET /api/v1/sessions/:id over %d sessions)\n\n", s.ReadMix, s.Sessions)
	p("Each session has its questions and %d analysed answers. After the rows of each concurrency, pgbench runs the same statements as the physical reference (its \"p50\" is its average latency; it reports no percentiles). CPU columns as above, in cores; the client is the load generator, or pgbench.\n\n", analysesPerReadSession)
	p("| run | clients | ok req/s | p50 ms | p95 ms | p99 ms | max ms | errors | server | PostgreSQL | client | other | of pgbench |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n")
	for _, c := range r.concurrencies() {
		for _, pt := range r.Points {
			if pt.Concurrency != c {
				continue
			}
			m := pt.Read
			share := "—"
			if pg := r.pgbenchAfter(c); pg != nil && pg.Result.TPS > 0 {
				share = fmt.Sprintf("%.0f %%", 100*m.OKRPS/pg.Result.TPS)
			}
			p("| %s | %d | %.0f | %s | %s | %s | %s | %s | %s | %s |\n", pt.Mode, pt.Concurrency, m.OKRPS,
				msText(m.Latency.P50), msText(m.Latency.P95), msText(m.Latency.P99), msText(m.Latency.Max), errorText(m), cpuCells(pt.ReadCPU, true), share)
		}
		if pg := r.pgbenchAfter(c); pg != nil {
			res := pg.Result
			p("| pgbench | %d | %.0f | avg %s | — | — | — | %d failed | %s | |\n", res.Clients, res.TPS, msText(res.LatencyAvg), res.Failed, cpuCells(pg.CPU, false))
		}
	}
	if len(r.Pgbench) > 0 {
		res := r.Pgbench[0].Result
		p("\npgbench: `pgbench -n -M prepared -c %d -j %d -T %d`, one script per session, chosen at random; the three statements are independent and the async engine sends them as one pipelined `pgx.Batch`, so the script pipelines them too:\n\n",
			res.Clients, min(res.Clients, r.Machine.CPUs), int(res.Duration.Seconds()))
		p("```\n%s```\n\n", mustRender(r.Script))
	}

	renderEndpoints(p, r)
	renderSweep(p, r)

	p("### Goals\n\n")
	p("| goal | measured | verdict |\n|---|---|---|\n")
	for _, g := range evaluateGoals(r) {
		measured := g.Measured
		if measured == "" {
			measured = "—"
		}
		p("| %s | %s | **%s** |\n", g.Name, measured, g.Verdict)
	}
	p("\nThe seed's goals are judged at %d and %d clients; issue 11's (server CPU per parse-jd, the read against pgbench at 64 and 256 clients, the sweep) were added to the same run.\n", goalConcurrency, goalHighConcurrency)
	p("\nReproduce: `make bench-modes` (about %s; `go run ./hack/benchmodes --help` for the knobs: duration, concurrencies, pool, generator latency, the sweep, `--profile DIR` for pprof profiles of every workload).\n", estimate(r))
	return b.String()
}

// cpuCells renders the CPU shares as "server | PostgreSQL | client | other" cells.
func cpuCells(c cpuShares, withServer bool) string {
	server, pg := "—", "—"
	if withServer {
		server = fmt.Sprintf("%.2f", c.cores(c.Server))
	}
	if c.PostgresKnown {
		pg = fmt.Sprintf("%.2f", c.cores(c.Postgres))
	}
	return fmt.Sprintf("%s | %s | %.2f | %.2f", server, pg, c.cores(c.LoadGen), c.cores(c.Other))
}

// estimate is the wall time of a run like this one, for the reproduce line.
func estimate(r results) string {
	s := r.Setup
	perPoint := s.Warmup + 2*s.Duration + 2*s.EndpointDuration + 5*time.Second
	perSweep := s.Warmup + s.SweepDuration + 3*time.Second
	total := time.Duration(len(r.Points))*perPoint + time.Duration(len(r.Pgbench))*s.Duration +
		time.Duration(len(r.Sweep))*perSweep + 30*time.Second
	return fmt.Sprintf("%.0f min", max(1, total.Minutes()))
}

func mustRender(s pgbenchScript) string {
	text, err := s.render("<session id>")
	if err != nil {
		return err.Error()
	}
	return text
}

func msText(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms >= 100 {
		return fmt.Sprintf("%.0f", ms)
	}
	return fmt.Sprintf("%.1f", ms)
}

func mibText(kib int64) string {
	if kib == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", float64(kib)/1024)
}

func cpuPerRequest(pt point) string {
	if pt.Mixed.Requests == 0 || pt.CPU.Server == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", float64(pt.CPU.Server)/float64(time.Millisecond)/float64(pt.Mixed.Requests))
}

// errorText is "0", or the count with its breakdown: "12 (503 pool_timeout:12)".
func errorText(s loadgen.Summary) string {
	if s.Errors == 0 {
		return "0"
	}
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(s.ErrorsByStatus)) {
		parts = append(parts, fmt.Sprintf("HTTP %d:%d", code, s.ErrorsByStatus[code]))
	}
	for _, code := range slices.Sorted(maps.Keys(s.ErrorsByCode)) {
		parts = append(parts, fmt.Sprintf("%s:%d", code, s.ErrorsByCode[code]))
	}
	for _, kind := range slices.Sorted(maps.Keys(s.TransportErrors)) {
		parts = append(parts, fmt.Sprintf("%s:%d", kind, s.TransportErrors[kind]))
	}
	if s.InvalidResponses > 0 {
		parts = append(parts, fmt.Sprintf("invalid:%d", s.InvalidResponses))
	}
	return fmt.Sprintf("%d (%s)", s.Errors, strings.Join(parts, ", "))
}

// renderEndpoints writes the server CPU per request of each endpoint.
func renderEndpoints(p func(string, ...any), r results) {
	if r.Setup.EndpointDuration == 0 {
		return
	}
	p("### Server CPU per request, by endpoint\n\n")
	p("Each endpoint alone (closed loop, %s each, after the read workload on the same server): the server process's CPU time (user + system, /proc/PID/stat) over the workload divided by the requests answered. parse-jd calls the built-in generator (%s); analyze-answer answers questions of %d sessions created for it. The session read is the read-only workload above; the mixed column is the mixed workload.\n\n",
		r.Setup.EndpointDuration, r.Setup.GeneratorLatency, r.Setup.Sessions)
	p("| mode | clients | parse-jd ms CPU | parse-jd ok req/s | parse-jd p99 ms | analyze-answer ms CPU | analyze-answer ok req/s | analyze-answer p99 ms | session read ms CPU | mixed ms CPU | load |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, pt := range r.Points {
		cells := func(op loadgen.Op) string {
			ph := pt.endpoint(op)
			if ph == nil {
				return "— | — | —"
			}
			return fmt.Sprintf("%s | %.0f | %s", cpuMS(serverCPUPerRequest(ph.Summary, ph.CPU)), ph.Summary.OKRPS, msText(ph.Summary.Latency.P99))
		}
		p("| %s | %d | %s | %s | %s | %s | %.1f |\n", pt.Mode, pt.Concurrency, cells(loadgen.OpParseJD), cells(loadgen.OpAnalyzeAnswer),
			cpuMS(serverCPUPerRequest(pt.Read, pt.ReadCPU)), cpuMS(serverCPUPerRequest(pt.Mixed, pt.CPU)), pt.Load)
	}
	p("\n")
}

// renderSweep writes the generator-latency sweep.
func renderSweep(p func(string, ...any), r results) {
	if len(r.Sweep) == 0 {
		return
	}
	p("### Generator latency sweep: parse-jd alone, %d clients\n\n", r.Sweep[0].Concurrency)
	p("The server calls an external generator (`AI_PROVIDER_URL`): a fake OpenAI-compatible endpoint on loopback in this program (hack/benchmodes/fakegen.go) that answers every completion after the set latency, standing for a model call. The sync engine holds its connection across the call, the async engine does not; same pool (%d + %d), a fresh server per row, %s each. The async/sync column is the ratio of ok req/s at the same latency.\n\n",
		r.Setup.PoolSize, r.Setup.MaxOverflow, r.Setup.SweepDuration)
	p("| generator latency | mode | ok req/s | async/sync | p50 ms | p99 ms | max ms | errors | server CPU ms/req | mean acquire wait ms | server cores | PostgreSQL cores | load |\n")
	p("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n")
	for _, sp := range r.Sweep {
		ratio := ""
		if sp.Mode == "async" {
			if s := r.sweepFind("sync", sp.Latency); s != nil && s.Summary.OKRPS > 0 {
				ratio = fmt.Sprintf("%.2f×", sp.Summary.OKRPS/s.Summary.OKRPS)
			}
		}
		m := sp.Summary
		pg := "—"
		if sp.CPU.PostgresKnown {
			pg = fmt.Sprintf("%.2f", sp.CPU.cores(sp.CPU.Postgres))
		}
		p("| %s | %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %.2f | %s | %.1f |\n", sp.Latency, sp.Mode, m.OKRPS, ratio,
			msText(m.Latency.P50), msText(m.Latency.P99), msText(m.Latency.Max), errorText(m),
			cpuMS(serverCPUPerRequest(m, sp.CPU)), msText(sp.Pool.meanWait()), sp.CPU.cores(sp.CPU.Server), pg, sp.Load)
	}
	p("\n")
}

func cpuMS(d time.Duration) string {
	if d == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}
