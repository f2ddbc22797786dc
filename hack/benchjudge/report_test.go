package main

import (
	"strings"
	"testing"
	"time"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/e2e/framework"
)

func TestGoalVerdicts(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"no false failure in 9 runs cannot show ≤ 1 %", atMost(wilson(0, 9, 0.95), 0.01), "not shown"},
		{"no false failure in 400 runs shows ≤ 1 %", atMost(wilson(0, 400, 0.95), 0.01), "**met**"},
		{"one in 20 misses ≤ 1 %", atMost(wilson(1, 20, 0.95), 0.01), "**not met**"},
		{"all of 8 detected cannot show ≥ 99 %", atLeast(wilson(8, 8, 0.95), 0.99), "not shown"},
		{"7 of 8 misses ≥ 99 %", atLeast(wilson(7, 8, 0.95), 0.99), "**not met**"},
		{"no runs", atLeast(wilson(0, 0, 0.95), 0.99), "not measured"},
	} {
		if !strings.Contains(tc.got, tc.want) {
			t.Errorf("%s: %q, want it to say %q", tc.name, tc.got, tc.want)
		}
	}
}

// TestSharedFaultWindow: a decision counts as during the fault from its start to one
// interval after its end, and only then.
func TestSharedFaultWindow(t *testing.T) {
	start := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	fw := faultWindow{start: start, end: start.Add(15 * time.Second)}
	for _, tc := range []struct {
		decided time.Duration
		want    bool
	}{{-time.Second, false}, {0, true}, {10 * time.Second, true}, {20 * time.Second, true}, {21 * time.Second, false}} {
		r := rollout{fault: fw, decided: start.Add(tc.decided)}
		if got := r.duringFault(5 * time.Second); got != tc.want {
			t.Errorf("decided at fault start %+v: during = %t, want %t", tc.decided, got, tc.want)
		}
	}
	if (rollout{decided: start}).duringFault(5 * time.Second) {
		t.Error("a run without a fault counted as decided during one")
	}
}

// TestReportCountsBothJudges renders a report of two runs per judge and checks the
// table rows, the rate with its interval, the failed-request ratio and the cost.
func TestReportCountsBothJudges(t *testing.T) {
	res := newResults()
	sc := corpus()[5] // starving-pool
	now := time.Now()
	for _, j := range judges {
		for k := 0; k < 2; k++ {
			after := 1 * time.Second
			failed := int64(10)
			if j == iapiv1alpha1.JudgeThreshold {
				after, failed = 30*time.Second, 400
			}
			res.add(sc, rollout{judge: j, outcome: outcomeRolledBack, patched: now, canaryReady: now.Add(time.Second),
				decided: now.Add(time.Second + after), load: framework.Counts{Failed: failed}, cpu: time.Second})
		}
	}
	res.meta = runMeta{started: now, ended: now.Add(time.Minute), runs: 2}
	out := renderReport(res)
	for _, want := range []string{
		"| starving-pool (regression) |", "| Compare | 0 | 2 | 0 | 2/2 = 100 % (34 %–100 %) | 1s / 1s | 20 |",
		"| Threshold | 0 | 2 | 0 | 2/2 = 100 % (34 %–100 %) | 30s / 30s | 800 |",
		"**met**: Threshold/Compare 40.0× per rollback", "**met** in every run (2)",
		"**1935 ms of CPU per rollout-minute**",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
}
