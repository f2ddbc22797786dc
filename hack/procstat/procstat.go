// Package procstat reads a Linux process's memory and CPU time from /proc, for the
// benchmarks (hack/benchmodes, hack/benchscale).
package procstat

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Memory is a process's resident set, from /proc/PID/status, in KiB.
type Memory struct {
	RSS int64 // VmRSS: resident now
	HWM int64 // VmHWM: the peak resident set since the process started
}

// ParseStatus reads VmRSS and VmHWM from the text of /proc/PID/status.
func ParseStatus(status []byte) (Memory, error) {
	var m Memory
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		fields := strings.Fields(value)
		if len(fields) != 2 || fields[1] != "kB" {
			return m, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kib, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("parsing %s: %w", key, err)
		}
		if key == "VmRSS" {
			m.RSS = kib
		} else {
			m.HWM = kib
		}
		found++
	}
	if found != 2 {
		return m, fmt.Errorf("VmRSS or VmHWM missing from the status (is the process a zombie?)")
	}
	return m, sc.Err()
}

// ReadMemory reads the memory of process pid.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	return ParseStatus(b)
}

// clockTicks is USER_HZ, the unit of the CPU times in /proc; it is 100 on every Linux
// architecture Go supports.
const clockTicks = 100

func ticks(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }

// Stat is what the benchmark reads from /proc/PID/stat.
type Stat struct {
	PPID int
	// CPU is the process's own user+system time; ChildrenCPU that of the children it has
	// waited for (cutime+cstime), where the CPU of PostgreSQL's exited backends goes.
	CPU, ChildrenCPU time.Duration
}

// ParseStat reads the text of /proc/PID/stat. The command name, field 2, may hold spaces
// and parentheses, so the fields are counted from the last ')'.
func ParseStat(stat []byte) (Stat, error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return Stat{}, fmt.Errorf("no command name in %q", stat)
	}
	// After ')' come field 3 (state) onwards: ppid is field 4, utime, stime, cutime and
	// cstime are fields 14 to 17.
	fields := strings.Fields(string(stat[end+1:]))
	if len(fields) < 15 {
		return Stat{}, fmt.Errorf("only %d fields after the command name", len(fields))
	}
	var v [5]int64
	for i, idx := range []int{1, 11, 12, 13, 14} {
		n, err := strconv.ParseInt(fields[idx], 10, 64)
		if err != nil {
			return Stat{}, fmt.Errorf("parsing field %d of the stat line: %w", idx+3, err)
		}
		v[i] = n
	}
	return Stat{PPID: int(v[0]), CPU: ticks(v[1] + v[2]), ChildrenCPU: ticks(v[3] + v[4])}, nil
}

// ReadStat reads /proc/PID/stat of process pid.
func ReadStat(pid int) (Stat, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Stat{}, err
	}
	return ParseStat(b)
}

// ParseMachineBusy returns the time all CPUs together spent on anything but idling and
// waiting for I/O, from the first line of /proc/stat ("cpu user nice system idle iowait
// irq softirq steal ..."). Guest time is already part of user time.
func ParseMachineBusy(stat []byte) (time.Duration, error) {
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, fmt.Errorf("unexpected first line of /proc/stat: %q", line)
	}
	var busy int64
	for _, idx := range []int{1, 2, 3, 6, 7, 8} { // user nice system irq softirq steal
		n, err := strconv.ParseInt(fields[idx], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("parsing /proc/stat: %w", err)
		}
		busy += n
	}
	return ticks(busy), nil
}

// MemorySampler polls a process's resident set, because VmHWM alone covers the whole life
// of the process and the peak of one phase needs samples taken during it.
type MemorySampler struct {
	pid  int
	stop context.CancelFunc
	done sync.WaitGroup

	mu      sync.Mutex
	peakRSS int64
	err     error
}

// StartMemorySampler samples the resident set of process pid every period until Finish.
func StartMemorySampler(pid int, every time.Duration) *MemorySampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &MemorySampler{pid: pid, stop: cancel}
	s.sample()
	s.done.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.sample()
			}
		}
	})
	return s
}

func (s *MemorySampler) sample() {
	m, err := ReadMemory(s.pid)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.err == nil {
			s.err = err
		}
		return
	}
	s.peakRSS = max(s.peakRSS, m.RSS)
}

// Finish stops sampling and returns the highest VmRSS seen.
func (s *MemorySampler) Finish() (int64, error) {
	s.sample()
	s.stop()
	s.done.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peakRSS, s.err
}
