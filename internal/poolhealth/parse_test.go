package poolhealth

import (
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func readSample(t *testing.T, name string, at time.Time) Sample {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatalf("open fixture: %v", err)
	}
	defer f.Close()
	s, err := ParseText(f, at)
	if err != nil {
		t.Fatalf("ParseText(%s): %v", name, err)
	}
	return s
}

func TestParseTextCapture(t *testing.T) {
	s := readSample(t, "metrics-3.txt", t0)

	if !s.Time.Equal(t0) {
		t.Errorf("Time = %v, want %v", s.Time, t0)
	}
	if got := s.Acquires; len(got) != 4 || got["success"] != 171 || got["timeout"] != 16 || got["canceled"] != 0 || got["error"] != 0 {
		t.Errorf("Acquires = %v, want success 171, timeout 16, canceled 0, error 0", got)
	}
	// 66 + 67 + 2 (200) + 52 + 54 (201) + 12 + 66 (422) + 2 + 12 (503).
	if s.Requests == nil || s.Requests.Total != 333 || s.Requests.ServerErrors != 14 {
		t.Errorf("Requests = %+v, want 333 with 14 server errors", s.Requests)
	}
	if s.AcquiredSeconds == nil || *s.AcquiredSeconds != 8.513953574 {
		t.Errorf("AcquiredSeconds = %v, want 8.513953574", s.AcquiredSeconds)
	}
	if s.MaxConnections == nil || *s.MaxConnections != 3 {
		t.Errorf("MaxConnections = %v, want 3 (pool 2 + overflow 1)", s.MaxConnections)
	}
	if s.PendingAcquires == nil || *s.PendingAcquires != 0 {
		t.Errorf("PendingAcquires = %v, want 0", s.PendingAcquires)
	}
	if got := s.Connections; got["acquired"] != 0 || got["idle"] != 2 || got["constructing"] != 0 || len(got) != 3 {
		t.Errorf("Connections = %v, want acquired 0, idle 2, constructing 0", got)
	}
	if s.Mode != "sync" {
		t.Errorf("Mode = %q, want sync", s.Mode)
	}

	h := s.AcquireWait
	if h == nil {
		t.Fatal("AcquireWait is nil")
	}
	if h.Count != 187 || len(h.Buckets) != 21 {
		t.Fatalf("histogram count %v with %d buckets, want 187 with 21 (20 bounds and +Inf)", h.Count, len(h.Buckets))
	}
	first, last := h.Buckets[0], h.Buckets[len(h.Buckets)-1]
	if first.UpperBound != 0.0001 || first.Count != 149 {
		t.Errorf("first bucket = %+v, want le 0.0001 count 149", first)
	}
	if !math.IsInf(last.UpperBound, 1) || last.Count != 187 {
		t.Errorf("last bucket = %+v, want +Inf count 187", last)
	}
}

func TestParseTextVariants(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string
		check   func(t *testing.T, s Sample)
	}{
		{
			name: "untyped lines count as values",
			body: "interviewapi_db_pool_acquires_total{result=\"success\"} 7\n" +
				"interviewapi_db_pool_max_connections 10\n",
			check: func(t *testing.T, s Sample) {
				if s.Acquires["success"] != 7 || s.MaxConnections == nil || *s.MaxConnections != 10 {
					t.Errorf("got acquires %v, max %v; want 7 and 10", s.Acquires, s.MaxConnections)
				}
			},
		},
		{
			name: "absent families stay nil",
			body: "# TYPE go_goroutines gauge\ngo_goroutines 12\n",
			check: func(t *testing.T, s Sample) {
				if s.Acquires != nil || s.AcquireWait != nil || s.Requests != nil || s.AcquiredSeconds != nil ||
					s.MaxConnections != nil || s.PendingAcquires != nil || s.Connections != nil || s.Mode != "" {
					t.Errorf("want an empty sample, got %+v", s)
				}
			},
		},
		{
			name: "mode is the label whose value is 1",
			body: "# TYPE interviewapi_db_mode gauge\ninterviewapi_db_mode{mode=\"async\"} 0\ninterviewapi_db_mode{mode=\"sync\"} 1\n",
			check: func(t *testing.T, s Sample) {
				if s.Mode != "sync" {
					t.Errorf("Mode = %q, want sync", s.Mode)
				}
			},
		},
		{
			name: "histogram without a +Inf line gets one holding the count",
			body: "# TYPE interviewapi_db_pool_acquire_duration_seconds histogram\n" +
				"interviewapi_db_pool_acquire_duration_seconds_bucket{le=\"0.1\"} 4\n" +
				"interviewapi_db_pool_acquire_duration_seconds_count 5\n" +
				"interviewapi_db_pool_acquire_duration_seconds_sum 1.5\n",
			check: func(t *testing.T, s Sample) {
				h := s.AcquireWait
				if h == nil || len(h.Buckets) != 2 || !math.IsInf(h.Buckets[1].UpperBound, 1) || h.Buckets[1].Count != 5 {
					t.Errorf("got %+v, want buckets le 0.1 → 4 and +Inf → 5", h)
				}
			},
		},
		{
			name:    "a histogram name exported as a gauge is refused",
			body:    "# TYPE interviewapi_db_pool_acquire_duration_seconds gauge\ninterviewapi_db_pool_acquire_duration_seconds 3\n",
			wantErr: "want a histogram",
		},
		{
			name:    "malformed text",
			body:    "interviewapi_db_pool_max_connections{state=\"x\" 3\n",
			wantErr: "parse metrics",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseText(strings.NewReader(tt.body), t0)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseText: %v", err)
			}
			tt.check(t, s)
		})
	}
}
