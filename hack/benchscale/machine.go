package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// describeMachine names the CPUs and the load when the run started: the machine is shared,
// and the reader needs both to judge the figures.
func describeMachine() string {
	load := "?"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			load = strings.Join(f[:3], " ")
		}
	}
	return fmt.Sprintf("%d CPUs, load average %s at the start, %s", runtime.NumCPU(), load, runtime.Version())
}

// loadAverage is the 1-minute load average now, or -1.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	var l float64
	if _, err := fmt.Sscanf(string(b), "%f", &l); err != nil {
		return -1
	}
	return l
}
