// Command benchmodes measures the interview API server in its two database modes, sync
// and async, with the same pool settings, and writes the figures with the machine's
// description into docs/benchmarks.md (the section between the bench-modes markers).
//
// It starts a throwaway PostgreSQL (hack/postgres.sh), builds and migrates the server,
// then at each concurrency runs a fresh server per mode under a mixed workload dominated
// by parse-jd, a read-only one and each write endpoint alone, sampling the server's
// memory and CPU, runs pgbench with the statements of the read endpoint as the physical
// reference, and sweeps the latency of a fake external generator (parse-jd alone).
// With --profile it also writes pprof profiles of every workload. Progress
// goes to stderr; the whole run takes about nine minutes with the defaults.
//
//	go run ./hack/benchmodes                      # what `make bench-modes` runs
//	go run ./hack/benchmodes --duration 5s --concurrency 64,256 --out /tmp/bench.md
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/interviewapi/operator/hack/loadgen/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchmodes:", err)
		os.Exit(1)
	}
}

// options are the knobs of a run; the defaults are the benchmark.
type options struct {
	duration         time.Duration
	warmup           time.Duration
	concurrencies    []int
	modes            []string
	mixedMix         loadgen.Mix
	poolSize         int
	maxOverflow      int
	generatorLatency time.Duration
	sessions         int
	pgbenchClients   int
	pgMaxConnections int
	pgBin            string
	databaseURL      string
	serverBin        string
	out              string
	keep             bool
	// endpointDuration is the length of each single-endpoint workload (parse-jd alone,
	// analyze-answer alone) that gives the server CPU per request of each endpoint; 0
	// leaves them out.
	endpointDuration time.Duration
	// The generator-latency sweep: parse-jd alone against a fake model on loopback
	// answering after each of sweepLatencies; none leaves it out.
	sweepLatencies   []time.Duration
	sweepConcurrency int
	sweepDuration    time.Duration
	// profileDir, when set, receives CPU and allocation profiles of every workload.
	profileDir string
}

// readMix is the read-only workload: the session read, whose statements pgbench replays.
var readMix = loadgen.Mix{{Op: loadgen.OpSession, Weight: 1}}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("benchmodes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	var concurrencies, modes, mix, sweep string
	fs.DurationVar(&o.duration, "duration", 15*time.Second, "length of each measured workload")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured load before each point")
	fs.StringVar(&concurrencies, "concurrency", "64,256,1024", "comma-separated client counts")
	fs.StringVar(&modes, "modes", "sync,async", "modes to run at each concurrency, in this order")
	fs.StringVar(&mix, "mix", "parse-jd=8,analyze-answer=1,session=1", "the mixed workload (hack/loadgen --mix syntax)")
	fs.IntVar(&o.poolSize, "pool-size", 20, "ASYNC_DATABASE_POOL_SIZE of both modes")
	fs.IntVar(&o.maxOverflow, "max-overflow", 30, "ASYNC_DATABASE_MAX_OVERFLOW of both modes")
	fs.DurationVar(&o.generatorLatency, "generator-latency", 50*time.Millisecond, "GENERATOR_LATENCY: the built-in generator's stand-in for a model call")
	fs.IntVar(&o.sessions, "sessions", 16, "sessions the read-only workload and pgbench read")
	fs.IntVar(&o.pgbenchClients, "pgbench-clients", 0, "pgbench -c (0: the pool cap, size + overflow)")
	fs.IntVar(&o.pgMaxConnections, "pg-max-connections", 200, "max_connections of the throwaway PostgreSQL")
	fs.StringVar(&o.pgBin, "pg-bin", envOr("PG_BIN", "/usr/lib/postgresql/15/bin"), "folder of the PostgreSQL binaries (pgbench, postgres)")
	fs.StringVar(&o.databaseURL, "database-url", "", "use this database instead of a throwaway cluster (it is migrated and written to)")
	fs.StringVar(&o.serverBin, "server-bin", "", "use this server binary instead of building bin/interviewapi-server")
	fs.StringVar(&o.out, "out", "docs/benchmarks.md", "document whose bench-modes section is rewritten (empty: print only)")
	fs.BoolVar(&o.keep, "keep", false, "keep the work folder (server logs, pgbench scripts)")
	fs.DurationVar(&o.endpointDuration, "endpoint-duration", 8*time.Second, "length of the parse-jd-only and analyze-answer-only workloads at each point (0: none)")
	fs.StringVar(&sweep, "sweep-latencies", "0s,50ms,500ms", "latencies of the fake external generator in the sweep (empty: no sweep)")
	fs.IntVar(&o.sweepConcurrency, "sweep-concurrency", 256, "clients of the sweep's parse-jd workload")
	fs.DurationVar(&o.sweepDuration, "sweep-duration", 10*time.Second, "length of each sweep workload")
	fs.StringVar(&o.profileDir, "profile", "", "write CPU and allocation profiles of every workload into this folder (the server runs with --pprof-addr); never commit them")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	var err error
	if o.concurrencies, err = parseInts(concurrencies); err != nil {
		return o, fmt.Errorf("--concurrency: %w", err)
	}
	for _, m := range strings.Split(modes, ",") {
		m = strings.TrimSpace(m)
		if m != "sync" && m != "async" {
			return o, fmt.Errorf("--modes: %q is neither sync nor async", m)
		}
		o.modes = append(o.modes, m)
	}
	if o.sweepLatencies, err = parseDurations(sweep); err != nil {
		return o, fmt.Errorf("--sweep-latencies: %w", err)
	}
	if o.mixedMix, err = loadgen.ParseMix(mix); err != nil {
		return o, fmt.Errorf("--mix: %w", err)
	}
	if o.pgbenchClients == 0 {
		o.pgbenchClients = o.poolSize + o.maxOverflow
	}
	switch {
	case o.duration < time.Second:
		return o, fmt.Errorf("--duration must be at least 1s (pgbench counts whole seconds), got %s", o.duration)
	case o.endpointDuration != 0 && o.endpointDuration < time.Second, len(o.sweepLatencies) > 0 && o.sweepDuration < time.Second:
		return o, fmt.Errorf("--endpoint-duration (or 0) and --sweep-duration must be at least 1s")
	case o.sweepConcurrency < 1:
		return o, fmt.Errorf("--sweep-concurrency must be positive")
	case o.warmup < 0 || o.sessions < 1 || o.poolSize < 1 || o.maxOverflow < 0 || o.pgbenchClients < 1:
		return o, fmt.Errorf("--warmup, --sessions, --pool-size, --max-overflow and --pgbench-clients must be positive")
	case o.pgMaxConnections < o.poolSize+o.maxOverflow+o.pgbenchClients+5:
		return o, fmt.Errorf("--pg-max-connections %d cannot hold the pool cap %d plus pgbench's %d clients", o.pgMaxConnections, o.poolSize+o.maxOverflow, o.pgbenchClients)
	}
	return o, nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", part)
		}
		out = append(out, n)
	}
	return out, nil
}

func parseDurations(s string) ([]time.Duration, error) {
	var out []time.Duration
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%q is not a duration of 0 or more", part)
		}
		out = append(out, d)
	}
	return out, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	if _, err := os.Stat("hack/postgres.sh"); err != nil {
		return fmt.Errorf("run me from the repository's root (hack/postgres.sh not found): %w", err)
	}
	if o.profileDir != "" {
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return fmt.Errorf("--profile: %w", err)
		}
	}
	b := &bench{opts: o, log: newProgressLog(stderr)}
	res, err := b.run(ctx)
	if err != nil {
		return err
	}
	section := renderSection(res)
	if o.out == "" {
		_, err := fmt.Fprintln(stdout, section)
		return err
	}
	if err := updateSection(o.out, section); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the bench-modes section of %s\n\n", o.out)
	for _, g := range evaluateGoals(res) {
		measured := g.Measured
		if measured == "" {
			measured = "—"
		}
		fmt.Fprintf(stdout, "%-12s %s: %s\n", g.Verdict, g.Name, measured)
	}
	return nil
}
