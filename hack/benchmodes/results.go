package main

import (
	"time"

	"github.com/interviewapi/operator/hack/loadgen/loadgen"
)

// point is one server process under one load: a mode at a concurrency.
type point struct {
	Mode        string
	Concurrency int
	// Mixed is the generator-heavy workload, Read the read-only one that follows it on
	// the same server.
	Mixed, Read loadgen.Summary
	// HWM is the server's VmHWM (peak resident set, KiB) after warm-up and the mixed
	// workload; PeakRSS the highest VmRSS sampled during the mixed workload.
	HWM, PeakRSS int64
	// CPU splits the machine's CPU time during the mixed workload between the server,
	// PostgreSQL, the load generator and everything else.
	CPU cpuShares
	// Pool is the increase of the server's pool counters during the mixed workload.
	Pool poolCounters
	// ReadCPU splits the machine's CPU time during the read workload.
	ReadCPU cpuShares
	// Endpoints are the single-endpoint workloads (parse-jd alone, analyze-answer
	// alone) that follow the read workload on the same server.
	Endpoints []phase
	// Load is the 1-minute load average when the point started.
	Load float64
}

// phase is one workload with the CPU it cost.
type phase struct {
	Op      loadgen.Op // the operation it repeats
	Summary loadgen.Summary
	CPU     cpuShares
}

// serverCPUPerRequest is the server's CPU time per answered request of a workload.
func serverCPUPerRequest(s loadgen.Summary, c cpuShares) time.Duration {
	if s.Requests == 0 {
		return 0
	}
	return c.Server / time.Duration(s.Requests)
}

// endpoint returns the single-endpoint workload of op, nil when it was not run.
func (p point) endpoint(op loadgen.Op) *phase {
	for i := range p.Endpoints {
		if p.Endpoints[i].Op == op {
			return &p.Endpoints[i]
		}
	}
	return nil
}

// sweepPoint is one row of the generator-latency sweep: parse-jd alone on a fresh
// server whose external generator (the fake model) answers after Latency.
type sweepPoint struct {
	Mode        string
	Latency     time.Duration
	Concurrency int
	Summary     loadgen.Summary
	CPU         cpuShares
	Pool        poolCounters
	Load        float64
}

// results is everything a benchmark run measured.
type results struct {
	Date    time.Time
	Machine machine
	Setup   setup
	Points  []point
	Pgbench []pgbenchRun
	Script  pgbenchScript
	Sweep   []sweepPoint
}

// pgbenchRun is one pgbench reference, run right after the rows of one concurrency so
// that the reference and those rows saw the same background load.
type pgbenchRun struct {
	After  int // the concurrency of the rows just before
	Result pgbenchResult
	CPU    cpuShares
}

// pgbenchAfter returns the pgbench run that followed the rows of concurrency, nil when
// there was none.
func (r results) pgbenchAfter(concurrency int) *pgbenchRun {
	for i := range r.Pgbench {
		if r.Pgbench[i].After == concurrency {
			return &r.Pgbench[i]
		}
	}
	return nil
}

// setup is what was held constant across the points.
type setup struct {
	Duration, Warmup      time.Duration
	MixedMix, ReadMix     string
	PoolSize, MaxOverflow int
	GeneratorLatency      time.Duration
	Sessions              int
	PgMaxConnections      int
	PgbenchClients        int
	EndpointDuration      time.Duration
	SweepDuration         time.Duration
}

// sweepFind returns the sweep row of mode at latency, nil when it was not measured.
func (r results) sweepFind(mode string, latency time.Duration) *sweepPoint {
	for i := range r.Sweep {
		if r.Sweep[i].Mode == mode && r.Sweep[i].Latency == latency {
			return &r.Sweep[i]
		}
	}
	return nil
}

// find returns the point of mode at concurrency, nil when it was not measured.
func (r results) find(mode string, concurrency int) *point {
	for i := range r.Points {
		if r.Points[i].Mode == mode && r.Points[i].Concurrency == concurrency {
			return &r.Points[i]
		}
	}
	return nil
}

// concurrencies lists the measured concurrencies in the order they were run.
func (r results) concurrencies() []int {
	var out []int
	seen := map[int]bool{}
	for _, p := range r.Points {
		if !seen[p.Concurrency] {
			seen[p.Concurrency] = true
			out = append(out, p.Concurrency)
		}
	}
	return out
}
