package main

import (
	"strings"
	"testing"
	"time"
)

// pgbench 15's report, as printed for two scripts.
const pgbenchReport = `pgbench (15.18 (Debian 15.18-0+deb12u1))
transaction type: multiple scripts
scaling factor: 1
query mode: prepared
number of clients: 50
number of threads: 2
maximum number of tries: 1
duration: 20 s
number of transactions actually processed: 99012
number of failed transactions: 3 (0.003%)
latency average = 10.034 ms
latency stddev = 0.196 ms
initial connection time = 9.471 ms
tps = 4950.440635 (without initial connection time)
SQL script 1: /tmp/s1.sql
 - weight: 1 (targets 50.0% of total)
 - latency average = 0.042 ms
`

func TestParsePgbench(t *testing.T) {
	got, err := parsePgbench(pgbenchReport)
	if err != nil {
		t.Fatalf("parsePgbench: %v", err)
	}
	want := pgbenchResult{Clients: 50, Duration: 20 * time.Second, Transactions: 99012, Failed: 3, TPS: 4950.440635, LatencyAvg: 10034 * time.Microsecond}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := parsePgbench("pgbench: error: connection refused\n"); err == nil || !strings.Contains(err.Error(), "tps") {
		t.Errorf("an error report parsed without complaint (err %v)", err)
	}
}

func TestRenderScript(t *testing.T) {
	s := pgbenchScript{Statements: []string{
		"SELECT id, role\n\t\tFROM sessions\n\t\tWHERE id = $1",
		"SELECT position FROM session_questions WHERE session_id = $1 ORDER BY position;",
		"SELECT $10",
	}}
	got, err := s.render("0b7e7a55-6f3a-4b59-9d1c-2f2f8f0c1a11")
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	want := "SELECT id, role FROM sessions WHERE id = '0b7e7a55-6f3a-4b59-9d1c-2f2f8f0c1a11';\n" +
		"SELECT position FROM session_questions WHERE session_id = '0b7e7a55-6f3a-4b59-9d1c-2f2f8f0c1a11' ORDER BY position;\n" +
		"SELECT $10;\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	s.Pipeline = true
	got, _ = s.render("x")
	if !strings.HasPrefix(got, "\\startpipeline\n") || !strings.HasSuffix(got, "\\endpipeline\n") {
		t.Errorf("pipelined script not wrapped in \\startpipeline/\\endpipeline:\n%s", got)
	}
	if _, err := s.render("x'; DROP TABLE sessions; --"); err == nil {
		t.Error("a session id with a quote was rendered into SQL")
	}
}
