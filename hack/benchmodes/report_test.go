package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/interviewapi/operator/hack/loadgen/loadgen"
)

func TestReplaceSection(t *testing.T) {
	block := sectionStart + "\nNEW\n" + sectionEnd
	tests := []struct {
		name    string
		doc     string
		want    string
		wantErr bool
	}{
		{"appends heading and section to a document without markers", "# Benchmarks\n\nintro\n", "# Benchmarks\n\nintro\n\n" + sectionHeading + "\n\n" + block + "\n", false},
		{"replaces between markers and keeps the rest",
			"# B\n\n## Other\nkeep me\n\n" + sectionStart + "\nOLD\nOLD\n" + sectionEnd + "\n\n## Later\nkeep me too\n",
			"# B\n\n## Other\nkeep me\n\n" + block + "\n\n## Later\nkeep me too\n", false},
		{"end before start", sectionEnd + "\n" + sectionStart + "\n", "", true},
		{"start without end", "x\n" + sectionStart + "\n", "", true},
		{"two sections", sectionStart + sectionEnd + sectionStart + sectionEnd, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := replaceSection(tt.doc, "\nNEW\n\n")
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestUpdateSectionCreatesThenReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	if err := updateSection(path, "first"); err != nil {
		t.Fatalf("create: %v", err)
	}
	if err := updateSection(path, "second"); err != nil {
		t.Fatalf("replace: %v", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if !strings.HasPrefix(doc, "# Benchmarks") || strings.Contains(doc, "first") || strings.Count(doc, "second") != 1 || strings.Count(doc, sectionHeading) != 1 {
		t.Errorf("document after create+replace:\n%s", doc)
	}
}

// summary makes a loadgen summary with the figures the report reads.
func summary(okRPS float64, p99 time.Duration, errs int64) loadgen.Summary {
	s := loadgen.Summary{Requests: 1000 + errs, OK: 1000, Errors: errs, OKRPS: okRPS, RPS: okRPS, Latency: loadgen.Latency{P50: p99 / 4, P95: p99 / 2, P99: p99, Max: 2 * p99}}
	if errs > 0 {
		s.ErrorsByStatus = map[int]int64{503: errs}
		s.ErrorsByCode = map[string]int64{"pool_timeout": errs}
	}
	return s
}

func sampleResults() results {
	return results{
		Date:    time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC),
		Machine: machine{CPUs: 2, CPUModel: "AMD EPYC", MemoryGiB: 23.4, Kernel: "6.1", GoVersion: "go1.26.8", PostgreSQL: "15.18"},
		Setup:   setup{Duration: 20 * time.Second, Warmup: 3 * time.Second, MixedMix: "parse-jd=8,analyze-answer=1,session=1", ReadMix: "session=1", PoolSize: 20, MaxOverflow: 30, GeneratorLatency: 50 * time.Millisecond, Sessions: 16, EndpointDuration: 8 * time.Second, SweepDuration: 10 * time.Second},
		Points: []point{
			{Mode: "sync", Concurrency: 64, Mixed: summary(700, 200*time.Millisecond, 0), Read: summary(2000, 50*time.Millisecond, 0)},
			{Mode: "async", Concurrency: 64, Mixed: summary(900, 150*time.Millisecond, 0), Read: summary(3200, 40*time.Millisecond, 0)},
			{Mode: "sync", Concurrency: 256, Mixed: summary(800, 400*time.Millisecond, 0), Read: summary(3000, 90*time.Millisecond, 0), HWM: 100 << 10, PeakRSS: 90 << 10,
				CPU:  cpuShares{Elapsed: 20 * time.Second, Server: 2 * time.Second, Postgres: 10 * time.Second, PostgresKnown: true, LoadGen: 5 * time.Second, Other: 3 * time.Second},
				Pool: poolCounters{AcquireWaitSum: 25, AcquireWaitCount: 2000, Closed: 40},
				Endpoints: []phase{
					{Op: loadgen.OpParseJD, Summary: summary(700, 300*time.Millisecond, 0), CPU: cpuShares{Elapsed: 8 * time.Second, Server: 500 * time.Millisecond}},
					{Op: loadgen.OpAnalyzeAnswer, Summary: summary(1500, 90*time.Millisecond, 0), CPU: cpuShares{Elapsed: 8 * time.Second, Server: 700 * time.Millisecond}},
				}},
			{Mode: "async", Concurrency: 256, Mixed: summary(3200, 120*time.Millisecond, 0), Read: summary(3500, 80*time.Millisecond, 0), HWM: 70 << 10, CPU: cpuShares{Elapsed: 20 * time.Second, Server: 2 * time.Second},
				Endpoints: []phase{{Op: loadgen.OpParseJD, Summary: summary(900, 250*time.Millisecond, 0), CPU: cpuShares{Elapsed: 8 * time.Second, Server: 300 * time.Millisecond}}}},
			{Mode: "sync", Concurrency: 1024, Mixed: summary(790, 1500*time.Millisecond, 12), Read: summary(2900, 400*time.Millisecond, 0), HWM: 150 << 10},
			{Mode: "async", Concurrency: 1024, Mixed: summary(4300, 300*time.Millisecond, 0), Read: summary(3400, 300*time.Millisecond, 0), HWM: 130 << 10},
		},
		Pgbench: []pgbenchRun{
			{After: 64, Result: pgbenchResult{Clients: 50, Duration: 20 * time.Second, TPS: 6000, LatencyAvg: 8 * time.Millisecond}},
			{After: 256, Result: pgbenchResult{Clients: 50, Duration: 20 * time.Second, TPS: 6000, LatencyAvg: 8 * time.Millisecond},
				CPU: cpuShares{Elapsed: 20 * time.Second, Postgres: 30 * time.Second, PostgresKnown: true, LoadGen: 6 * time.Second, Other: 4 * time.Second}},
			{After: 1024, Result: pgbenchResult{Clients: 50, Duration: 20 * time.Second, TPS: 5000, LatencyAvg: 10 * time.Millisecond}},
		},
		Script: pgbenchScript{Statements: []string{"SELECT 1 FROM sessions WHERE id = $1"}},
		Sweep: []sweepPoint{
			{Mode: "sync", Latency: 0, Concurrency: 256, Summary: summary(800, 300*time.Millisecond, 0)},
			{Mode: "async", Latency: 0, Concurrency: 256, Summary: summary(900, 280*time.Millisecond, 0)},
			{Mode: "sync", Latency: 500 * time.Millisecond, Concurrency: 256, Summary: summary(100, 2600*time.Millisecond, 0),
				CPU: cpuShares{Elapsed: 10 * time.Second, Server: 400 * time.Millisecond}, Pool: poolCounters{AcquireWaitSum: 1000, AcquireWaitCount: 500}},
			{Mode: "async", Latency: 500 * time.Millisecond, Concurrency: 256, Summary: summary(600, 510*time.Millisecond, 0)},
		},
	}
}

func TestEvaluateGoals(t *testing.T) {
	r := sampleResults()
	want := []struct {
		verdict  verdict
		measured string
	}{
		{notMet, "4.00× (async 3200 vs sync 800 ok req/s)"},
		{met, "120 ms (sync: 400 ms)"},
		{met, "0 errors in 2000 requests"},
		{notMet, "256 clients: -30 % (70 vs 100 MiB); 1024 clients: -13 % (130 vs 150 MiB)"},
		{met, "64 clients: 53 % (async 3200 ok req/s vs pgbench 6000 TPS right after); 256 clients: 58 % (async 3500"},
		{notMet, "sync 256: 0.50 ms; async 256: 0.30 ms"},
		{met, "0s: 1.12×; 500ms: 6.00×"},
	}
	got := evaluateGoals(r)
	if len(got) != len(want) {
		t.Fatalf("%d goals, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Verdict != w.verdict || !strings.Contains(got[i].Measured, w.measured) {
			t.Errorf("goal %q: %s, %q; want %s, containing %q", got[i].Name, got[i].Verdict, got[i].Measured, w.verdict, w.measured)
		}
	}
	// Each verdict follows its figure across the threshold.
	r.Points[3].Mixed.OKRPS = 4400
	r.Points[3].Mixed.Latency.P99 = 151 * time.Millisecond
	r.Points[5].HWM = 110 << 10
	if g := speedupGoal(r); g.Verdict != met {
		t.Errorf("speedup 5.5×: %s", g.Verdict)
	}
	if g := p99Goal(r); g.Verdict != notMet {
		t.Errorf("p99 151 ms: %s", g.Verdict)
	}
	if g := rssGoal(r); g.Verdict != met {
		t.Errorf("RSS 30 %% and 27 %% below: %s (%s)", g.Verdict, g.Measured)
	}
	r.Pgbench[1].Result.TPS = 7001
	if g := readGoal(r); g.Verdict != notMet {
		t.Errorf("read at 3500 vs 7001 TPS: %s", g.Verdict)
	}
	r.Points[2].Endpoints[0].CPU.Server = 400 * time.Millisecond
	if g := parseJDCPUGoal(r); g.Verdict != met {
		t.Errorf("parse-jd at 0.40 and 0.30 ms: %s (%s)", g.Verdict, g.Measured)
	}
	r.Sweep[3].Summary.OKRPS = 499
	if g := sweepGoal(r); g.Verdict != notMet || !strings.Contains(g.Name, "500ms generator") {
		t.Errorf("sweep 4.99× at 500ms: %s (%s)", g.Name, g.Verdict)
	}
}

func TestEvaluateGoalsWithoutFigures(t *testing.T) {
	for _, g := range evaluateGoals(results{}) {
		if g.Verdict != notMeasured {
			t.Errorf("goal %q judged %s on no figures", g.Name, g.Verdict)
		}
	}
	r := sampleResults()
	r.Points[5].Mixed = summary(4300, 300*time.Millisecond, 7)
	if g := noErrorsGoal(r); g.Verdict != notMet || !strings.Contains(g.Measured, "pool_timeout:7") {
		t.Errorf("7 errors at 1024 clients: %s, %q", g.Verdict, g.Measured)
	}
}

func TestRenderSection(t *testing.T) {
	doc := renderSection(sampleResults())
	for _, want := range []string{
		"Written by `make bench-modes`",
		"2 CPUs (AMD EPYC), 23.4 GiB memory, Linux 6.1, go1.26.8, PostgreSQL 15.18",
		"| sync | 256 | 800 | 100 | 200 | 400 | 800 | 0 | 100 | 90 |",
		"| sync | 256 | 0.10 | 0.50 | 0.25 | 0.15 | 2.00 | 12.5 | 40 |",
		"| sync | 1024 | 790 |",
		"12 (HTTP 503:12, pool_timeout:12)",
		"| pgbench | 50 | 6000 | avg 8.0 | — | — | — | 0 failed | — | 1.50 | 0.30 | 0.20 |",
		"| pgbench | 50 | 5000 | avg 10.0 |",
		"SELECT 1 FROM sessions WHERE id = '<session id>';",
		"`pgbench -n -M prepared -c 50 -j 2 -T 20`",
		"| sync | 256 | 0.50 | 700 | 300 | 0.70 | 1500 | 90.0 | — | 2.00 | 0.0 |",
		"| async | 64 | — | — | — | — | — | — |",
		"| 500ms | sync | 100 |  | 650 | 2600 | 5200 | 0 | 0.40 | 2000 | 0.04 | — | 0.0 |",
		"| 500ms | async | 600 | 6.00× |",
		"| async | 64 | 3200 | 10.0 | 20.0 | 40.0 | 80.0 | 0 | 0.00 | — | 0.00 | 0.00 | 53 % |",
		"| **met** |",
		"| **not met** |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("section lacks %q:\n%s", want, doc)
		}
	}
}
