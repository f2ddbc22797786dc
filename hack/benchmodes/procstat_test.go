package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    memory
		wantErr bool
	}{
		{"typical", "Name:\tinterviewapi-se\nVmPeak:\t 1300000 kB\nVmHWM:\t   61234 kB\nVmRSS:\t   40960 kB\nThreads:\t9\n", memory{RSS: 40960, HWM: 61234}, false},
		{"zombie without memory lines", "Name:\tx\nState:\tZ (zombie)\n", memory{}, true},
		{"unexpected unit", "VmHWM:\t1 MB\nVmRSS:\t1 kB\n", memory{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatus([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseCPU(t *testing.T) {
	// Fields 14 and 15 (utime, stime) are 250 and 50 ticks; the command name holds a
	// space and a parenthesis to check that fields are counted from the last ')'.
	stat := "4242 (odd) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 9 0 100 1000000 5000 18446744073709551615"
	got, err := parseCPU([]byte(stat))
	if err != nil {
		t.Fatalf("parseCPU: %v", err)
	}
	if want := 3 * time.Second; got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := parseCPU([]byte("4242 (short) S 1")); err == nil {
		t.Error("a truncated stat line was accepted")
	}
}

func TestReadOwnProcess(t *testing.T) {
	pid := os.Getpid()
	m, err := readMemory(pid)
	if err != nil {
		t.Fatalf("readMemory: %v", err)
	}
	if m.RSS <= 0 || m.HWM < m.RSS {
		t.Errorf("memory %+v: want RSS > 0 and HWM ≥ RSS", m)
	}
	s := startMemorySampler(pid, 10*time.Millisecond)
	ballast := strings.Repeat("x", 32<<20) // 32 MiB touched while sampling
	time.Sleep(50 * time.Millisecond)
	peak, err := s.finish()
	if err != nil {
		t.Fatalf("sampler: %v", err)
	}
	if peak < m.RSS || peak < 32<<10 {
		t.Errorf("peak %d KiB, want at least the 32 MiB ballast (%d KiB)", peak, 32<<10)
	}
	_ = len(ballast)
}
