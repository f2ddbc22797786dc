package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pgbenchScript is a transaction for pgbench: the statements the server runs for one
// request, with $1 standing for the session id.
type pgbenchScript struct {
	Statements []string
	// Pipeline sends the statements in one pipeline, as pgx.Batch does.
	Pipeline bool
}

var firstParam = regexp.MustCompile(`\$1\b`)

// render writes the script for one session id. pgbench variables hold numbers only, so
// the UUID is a literal; with -M prepared each script is still prepared once per
// connection and then only executed, like the server's cached prepared statements.
func (s pgbenchScript) render(sessionID string) (string, error) {
	if strings.ContainsAny(sessionID, `'\`) {
		return "", fmt.Errorf("session id %q cannot be quoted safely", sessionID)
	}
	var b strings.Builder
	if s.Pipeline {
		b.WriteString("\\startpipeline\n")
	}
	for _, st := range s.Statements {
		st = strings.Join(strings.Fields(st), " ") // pgbench reads a statement per line
		st = strings.TrimSuffix(st, ";")
		b.WriteString(firstParam.ReplaceAllLiteralString(st, "'"+sessionID+"'"))
		b.WriteString(";\n")
	}
	if s.Pipeline {
		b.WriteString("\\endpipeline\n")
	}
	return b.String(), nil
}

// pgbenchResult is what pgbench reports at the end of a run.
type pgbenchResult struct {
	Clients      int
	Duration     time.Duration
	Transactions int64
	Failed       int64
	TPS          float64
	LatencyAvg   time.Duration
}

// runPgbench runs one script per session, chosen at random with equal weights, and
// hands pgbench's progress lines to progress.
func runPgbench(ctx context.Context, pgBin, databaseURL, workDir string, script pgbenchScript, sessionIDs []string, clients int, duration time.Duration, progress func(line string)) (pgbenchResult, error) {
	if len(sessionIDs) == 0 {
		return pgbenchResult{}, errors.New("pgbench needs at least one session id")
	}
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(clients),
		"-j", strconv.Itoa(max(1, min(clients, runtime.NumCPU()))),
		"-T", strconv.Itoa(int(duration.Round(time.Second) / time.Second)), "-P", "5"}
	for i, id := range sessionIDs {
		text, err := script.render(id)
		if err != nil {
			return pgbenchResult{}, err
		}
		path := filepath.Join(workDir, fmt.Sprintf("session-read-%02d.sql", i))
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			return pgbenchResult{}, fmt.Errorf("writing the pgbench script: %w", err)
		}
		args = append(args, "-f", path+"@1")
	}
	args = append(args, databaseURL)

	cmd := exec.CommandContext(ctx, filepath.Join(pgBin, "pgbench"), args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return pgbenchResult{}, err
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		return pgbenchResult{}, fmt.Errorf("starting pgbench: %w", err)
	}
	var tail []string
	var copying sync.WaitGroup
	copying.Go(func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "progress:") {
				progress(line)
				continue
			}
			tail = append(tail, line)
		}
	})
	copying.Wait()
	if err := cmd.Wait(); err != nil {
		return pgbenchResult{}, fmt.Errorf("pgbench %s: %w\n%s%s", strings.Join(args[:len(args)-1], " "), err, stdout.String(), strings.Join(tail, "\n"))
	}
	res, err := parsePgbench(stdout.String())
	if err != nil {
		return res, fmt.Errorf("reading pgbench's report: %w\n%s", err, stdout.String())
	}
	return res, nil
}

var (
	pgbenchClients  = regexp.MustCompile(`(?m)^number of clients: (\d+)$`)
	pgbenchDuration = regexp.MustCompile(`(?m)^duration: (\d+) s$`)
	pgbenchDone     = regexp.MustCompile(`(?m)^number of transactions actually processed: (\d+)`)
	pgbenchFailed   = regexp.MustCompile(`(?m)^number of failed transactions: (\d+)`)
	pgbenchLatency  = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms$`)
	pgbenchTPS      = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)$`)
)

// parsePgbench reads the summary pgbench prints on stdout.
func parsePgbench(out string) (pgbenchResult, error) {
	var r pgbenchResult
	get := func(re *regexp.Regexp, what string) (string, error) {
		m := re.FindStringSubmatch(out)
		if m == nil {
			return "", fmt.Errorf("no %s in the report", what)
		}
		return m[1], nil
	}
	var errs []error
	if v, err := get(pgbenchClients, "client count"); err == nil {
		r.Clients, _ = strconv.Atoi(v)
	} else {
		errs = append(errs, err)
	}
	if v, err := get(pgbenchDuration, "duration"); err == nil {
		secs, _ := strconv.Atoi(v)
		r.Duration = time.Duration(secs) * time.Second
	} else {
		errs = append(errs, err)
	}
	if v, err := get(pgbenchDone, "transaction count"); err == nil {
		r.Transactions, _ = strconv.ParseInt(v, 10, 64)
	} else {
		errs = append(errs, err)
	}
	// Older pgbench versions print no failure line; its absence means none were counted.
	if v, err := get(pgbenchFailed, "failure count"); err == nil {
		r.Failed, _ = strconv.ParseInt(v, 10, 64)
	}
	if v, err := get(pgbenchLatency, "average latency"); err == nil {
		msec, _ := strconv.ParseFloat(v, 64)
		r.LatencyAvg = time.Duration(msec * float64(time.Millisecond))
	} else {
		errs = append(errs, err)
	}
	if v, err := get(pgbenchTPS, "tps"); err == nil {
		r.TPS, _ = strconv.ParseFloat(v, 64)
	} else {
		errs = append(errs, err)
	}
	return r, errors.Join(errs...)
}
