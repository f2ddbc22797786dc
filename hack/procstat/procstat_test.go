package procstat

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
		want    Memory
		wantErr bool
	}{
		{"typical", "Name:\tinterviewapi-se\nVmPeak:\t 1300000 kB\nVmHWM:\t   61234 kB\nVmRSS:\t   40960 kB\nThreads:\t9\n", Memory{RSS: 40960, HWM: 61234}, false},
		{"zombie without memory lines", "Name:\tx\nState:\tZ (zombie)\n", Memory{}, true},
		{"unexpected unit", "VmHWM:\t1 MB\nVmRSS:\t1 kB\n", Memory{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatus([]byte(tt.in))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseStat(t *testing.T) {
	// ppid 1; utime, stime, cutime, cstime = 250, 50, 700, 100 ticks. The command name
	// holds a space and a parenthesis to check that fields are counted from the last ')'.
	stat := "4242 (odd) name) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 700 100 20 0 9 0 100 1000000 5000 18446744073709551615"
	got, err := ParseStat([]byte(stat))
	if err != nil {
		t.Fatalf("ParseStat: %v", err)
	}
	if want := (Stat{PPID: 1, CPU: 3 * time.Second, ChildrenCPU: 8 * time.Second}); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := ParseStat([]byte("4242 (short) S 1")); err == nil {
		t.Error("a truncated stat line was accepted")
	}
}

func TestParseMachineBusy(t *testing.T) {
	// user nice system idle iowait irq softirq steal guest guest_nice
	got, err := ParseMachineBusy([]byte("cpu  1000 10 300 5000 70 5 20 15 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n"))
	if err != nil {
		t.Fatalf("ParseMachineBusy: %v", err)
	}
	if want := 1350 * 10 * time.Millisecond; got != want {
		t.Errorf("busy %v, want %v (idle and iowait excluded)", got, want)
	}
	if _, err := ParseMachineBusy([]byte("intr 1 2 3\n")); err == nil {
		t.Error("a /proc/stat without the cpu line was accepted")
	}
}

func TestReadOwnProcess(t *testing.T) {
	pid := os.Getpid()
	m, err := ReadMemory(pid)
	if err != nil {
		t.Fatalf("ReadMemory: %v", err)
	}
	if m.RSS <= 0 || m.HWM < m.RSS {
		t.Errorf("memory %+v: want RSS > 0 and HWM ≥ RSS", m)
	}
	s := StartMemorySampler(pid, 10*time.Millisecond)
	ballast := strings.Repeat("x", 32<<20) // 32 MiB touched while sampling
	time.Sleep(50 * time.Millisecond)
	peak, err := s.Finish()
	if err != nil {
		t.Fatalf("sampler: %v", err)
	}
	if peak < m.RSS || peak < 32<<10 {
		t.Errorf("peak %d KiB, want at least the 32 MiB ballast (%d KiB)", peak, 32<<10)
	}
	_ = len(ballast)
}
