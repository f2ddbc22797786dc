package main

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

// memory is a process's resident set, from /proc/PID/status, in KiB.
type memory struct {
	RSS int64 // VmRSS: resident now
	HWM int64 // VmHWM: the peak resident set since the process started
}

// parseStatus reads VmRSS and VmHWM from the text of /proc/PID/status.
func parseStatus(status []byte) (memory, error) {
	var m memory
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

func readMemory(pid int) (memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	return parseStatus(b)
}

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat; it is 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// parseCPU returns the user+system CPU time of a process from the text of
// /proc/PID/stat. The command name, field 2, may hold spaces and parentheses, so the
// fields are counted from the last ')'.
func parseCPU(stat []byte) (time.Duration, error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return 0, fmt.Errorf("no command name in %q", stat)
	}
	// After ')' come field 3 (state) onwards; utime and stime are fields 14 and 15.
	fields := strings.Fields(string(stat[end+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("only %d fields after the command name", len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("parsing utime %q / stime %q", fields[11], fields[12])
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

func readCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseCPU(b)
}

// memorySampler polls a process's resident set, because VmHWM alone covers the whole life
// of the process and the peak of one phase needs samples taken during it.
type memorySampler struct {
	pid  int
	stop context.CancelFunc
	done sync.WaitGroup

	mu      sync.Mutex
	peakRSS int64
	err     error
}

func startMemorySampler(pid int, every time.Duration) *memorySampler {
	ctx, cancel := context.WithCancel(context.Background())
	s := &memorySampler{pid: pid, stop: cancel}
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

func (s *memorySampler) sample() {
	m, err := readMemory(s.pid)
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

// finish stops sampling and returns the highest VmRSS seen.
func (s *memorySampler) finish() (int64, error) {
	s.sample()
	s.stop()
	s.done.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peakRSS, s.err
}
