package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// machine describes where a benchmark ran, so that its figures can be read in context.
type machine struct {
	CPUs       int
	CPUModel   string
	MemoryGiB  float64
	Kernel     string
	GoVersion  string
	PostgreSQL string
	// Load1 is the 1-minute load average when the benchmark started and ended: on a
	// shared machine it says how much the figures were disturbed.
	LoadStart, LoadEnd float64
}

func (m machine) String() string {
	return fmt.Sprintf("%d CPUs (%s), %.1f GiB memory, Linux %s, %s, PostgreSQL %s",
		m.CPUs, m.CPUModel, m.MemoryGiB, m.Kernel, m.GoVersion, m.PostgreSQL)
}

// describeMachine gathers what it can; a detail it cannot read is reported as "unknown"
// rather than failing the benchmark.
func describeMachine(ctx context.Context, pgBin string) machine {
	m := machine{CPUs: runtime.NumCPU(), CPUModel: "unknown", Kernel: "unknown", GoVersion: runtime.Version(), PostgreSQL: "unknown"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if v := procField(b, "model name"); v != "" {
			m.CPUModel = v
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if kb, err := strconv.ParseFloat(strings.TrimSuffix(procField(b, "MemTotal"), " kB"), 64); err == nil {
			m.MemoryGiB = kb / (1 << 20)
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output(); err == nil {
		m.GoVersion = strings.TrimSpace(string(out))
	}
	if out, err := exec.CommandContext(ctx, pgBin+"/postgres", "--version").Output(); err == nil {
		// "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
		if _, v, ok := strings.Cut(strings.TrimSpace(string(out)), "(PostgreSQL) "); ok {
			m.PostgreSQL = v
		}
	}
	m.LoadStart = loadAverage()
	return m
}

// procField returns the value of the first "key : value" line of a /proc file.
func procField(b []byte, key string) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// loadAverage is the 1-minute load average, or -1 when unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return -1
	}
	return v
}
