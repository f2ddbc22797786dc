package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/interviewapi/operator/hack/procstat"
)

// cpuShares splits the machine's busy CPU time during a phase between the processes of
// the benchmark and everything else, so that a reader can see how much of the two
// shared cores the server really had.
type cpuShares struct {
	Elapsed time.Duration
	Server  time.Duration
	// Postgres is the whole cluster: postmaster, backends (live and exited) and
	// auxiliary processes. Unknown (PostgresKnown false) for an external database,
	// whose CPU is then part of Other when it runs on this machine.
	Postgres      time.Duration
	PostgresKnown bool
	// LoadGen is the client side: this program, which runs the load generator
	// in-process, and pgbench, its child.
	LoadGen time.Duration
	// Other is everything else: other engineers' builds and tests.
	Other time.Duration
}

// cores turns a CPU time of the phase into the average number of cores it kept busy.
func (c cpuShares) cores(d time.Duration) float64 {
	if c.Elapsed <= 0 {
		return 0
	}
	return d.Seconds() / c.Elapsed.Seconds()
}

// cpuMeter samples the CPU time of the benchmark's processes and of the machine.
type cpuMeter struct {
	serverPID     int // 0 when no server runs (pgbench)
	postmasterPID int // 0 when the database is not ours
}

type cpuSample struct {
	at                              time.Time
	busy, server, postgres, loadGen time.Duration
}

func (m cpuMeter) sample() (cpuSample, error) {
	s := cpuSample{at: time.Now()}
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return s, err
	}
	if s.busy, err = procstat.ParseMachineBusy(b); err != nil {
		return s, err
	}
	if m.serverPID != 0 {
		server, err := procstat.ReadStat(m.serverPID)
		if err != nil {
			return s, fmt.Errorf("reading the server's CPU time: %w", err)
		}
		s.server = server.CPU
	}
	self, err := procstat.ReadStat(os.Getpid())
	if err != nil {
		return s, fmt.Errorf("reading this program's CPU time: %w", err)
	}
	// Children count once reaped: within a phase that is pgbench, never the server,
	// which outlives every phase.
	s.loadGen = self.CPU + self.ChildrenCPU
	if m.postmasterPID != 0 {
		if s.postgres, err = processTreeCPU(m.postmasterPID); err != nil {
			return s, fmt.Errorf("reading PostgreSQL's CPU time: %w", err)
		}
	}
	return s, nil
}

// between returns the shares of the phase from a to b.
func (m cpuMeter) between(a, b cpuSample) cpuShares {
	c := cpuShares{
		Elapsed:       b.at.Sub(a.at),
		Server:        b.server - a.server,
		Postgres:      b.postgres - a.postgres,
		PostgresKnown: m.postmasterPID != 0,
		LoadGen:       b.loadGen - a.loadGen,
	}
	// The counters tick at 10 ms and are read a moment apart, so the remainder can dip
	// just below zero on an otherwise idle machine.
	c.Other = max(0, (b.busy-a.busy)-c.Server-c.Postgres-c.LoadGen)
	return c
}

// processTreeCPU is the CPU time of a process, of its live children, and of the children
// it has reaped. That covers a PostgreSQL cluster: every backend is a child of the
// postmaster, including the short-lived ones of connections that were closed.
func processTreeCPU(parent int) (time.Duration, error) {
	st, err := procstat.ReadStat(parent)
	if err != nil {
		return 0, err
	}
	total := st.CPU + st.ChildrenCPU
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == parent {
			continue
		}
		child, err := procstat.ReadStat(pid)
		if err != nil || child.PPID != parent {
			continue // not a child, or gone since the listing
		}
		total += child.CPU
	}
	return total, nil
}

// postmasterPID reads the PID of a cluster's postmaster from its data folder.
func postmasterPID(dataDir string) (int, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0, err
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		return 0, fmt.Errorf("postmaster.pid: %w", err)
	}
	return pid, nil
}
