package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// postgres is the throwaway cluster of a benchmark run, managed by hack/postgres.sh.
type postgres struct {
	script string // path of hack/postgres.sh
	dir    string
	url    string
}

// startPostgres initialises and starts a cluster in a new temporary folder.
// maxConnections must cover the server's pool cap plus pgbench's clients.
func startPostgres(ctx context.Context, script string, maxConnections int) (*postgres, error) {
	dir, err := os.MkdirTemp("", "interviewapi-bench-pg.")
	if err != nil {
		return nil, fmt.Errorf("creating the PostgreSQL folder: %w", err)
	}
	cmd := exec.CommandContext(ctx, script, "start", dir)
	cmd.Env = append(os.Environ(), "PG_MAX_CONNECTIONS="+strconv.Itoa(maxConnections))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("%s start: %w\n%s", script, err, stderr.String())
	}
	return &postgres{script: script, dir: dir, url: strings.TrimSpace(string(out))}, nil
}

// stop stops the cluster and deletes its folder. It runs even when the benchmark was
// interrupted, so it does not take the benchmark's context.
func (p *postgres) stop() error {
	out, err := exec.Command(p.script, "stop", p.dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s stop %s: %w\n%s", p.script, p.dir, err, out)
	}
	if err := os.RemoveAll(p.dir); err != nil {
		return fmt.Errorf("removing %s: %w", p.dir, err)
	}
	return nil
}
