package poolstats

import (
	"strings"
	"testing"
)

func TestServerHealth(t *testing.T) {
	th := DefaultHealthThresholds()
	tests := []struct {
		name    string
		pool    PoolStatus
		status  string
		reasons []string // substrings, one per reason, in order
	}{
		{"idle pool", PoolStatus{Max: 50}, Healthy, nil},
		{"busy but fine", PoolStatus{Max: 50, CheckedOut: 30, Utilization: 0.6, AcquireWaitP99Ms: 5}, Healthy, nil},
		{"little headroom", PoolStatus{Max: 50, CheckedOut: 45, Utilization: 0.9}, Degraded, []string{"utilization 90%"}},
		{"slow acquires", PoolStatus{Max: 50, AcquireWaitP99Ms: 150}, Degraded, []string{"acquire wait p99 150.0ms"}},
		{"exhausted", PoolStatus{Max: 2, CheckedOut: 2, Utilization: 1, Pending: 7}, Critical, []string{"pool exhausted: all 2 connections checked out, 7 requests waiting"}},
		{"full without waiters", PoolStatus{Max: 2, CheckedOut: 2, Utilization: 1}, Degraded, []string{"utilization 100%"}},
		{"timeouts", PoolStatus{Max: 1, TimeoutSeconds: 1, TimeoutsRecent: 3, AcquireWaitP99Ms: 1000}, Critical,
			[]string{"3 acquires timed out after 1s", "acquire wait p99"}},
		{"database down", PoolStatus{Max: 50, ErrorsRecent: 4}, Critical, []string{"4 connection attempts failed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := ServerHealth(tt.pool, th)
			if h.Status != tt.status {
				t.Errorf("status %q, want %q (reasons %q)", h.Status, tt.status, h.Reasons)
			}
			if h.Reasons == nil {
				t.Error("reasons is nil; it must encode as [] in JSON")
			}
			if len(h.Reasons) != len(tt.reasons) {
				t.Fatalf("reasons %q, want %d", h.Reasons, len(tt.reasons))
			}
			for i, want := range tt.reasons {
				if !strings.Contains(h.Reasons[i], want) {
					t.Errorf("reason %d = %q, want it to contain %q", i, h.Reasons[i], want)
				}
			}
		})
	}
}
