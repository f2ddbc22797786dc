//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/e2e/framework"
)

// outageLength is how long PostgreSQL stays down: three analysis intervals, so that
// analyses run entirely inside the outage.
const outageLength = 15 * time.Second

// The outage scenario's canary: the pool's recycle age, 1h → 59m.
const (
	outageCanaryRecycle = 59 * time.Minute
	outageCanaryPatch   = `{"spec":{"database":{"pool":{"recycle":"59m"}}}}`
)

// outageCanaryPromoted reports whether the outage scenario's canary is promoted.
func outageCanaryPromoted(in *iapiv1alpha1.InterviewAPI) bool {
	st := in.Status
	return st.Phase == iapiv1alpha1.PhaseHealthy && st.Canary == nil && st.Stable != nil &&
		st.Stable.Pool.Recycle != nil && st.Stable.Pool.Recycle.Duration == outageCanaryRecycle
}

// testDatabaseOutage is issue scenario 5: PostgreSQL stops during the first step of a
// canary, under load, with failureLimit 1. No analysis covering only the outage passes
// and nothing is promoted while it lasts. The Threshold judge reads the outage as a
// failed canary: its failed analysis rolls the rollout back, naming the metric. The
// Compare judge sees the stable pods fail alike, calls it a shared fault
// (Inconclusive, never Fail), and the rollout resumes and is promoted when the
// database returns. In both, every answer the server acknowledged with a 2xx is in the
// database.
func testDatabaseOutage(t *testing.T, e *env) {
	for _, tc := range []struct {
		name         string
		judge        iapiv1alpha1.AnalysisJudge
		wantPromoted bool
	}{
		{"ThresholdRollsBack", iapiv1alpha1.JudgeThreshold, false},
		{"CompareSharedFaultResumesAndPromotes", iapiv1alpha1.JudgeCompare, true},
	} {
		t.Run(tc.name, func(t *testing.T) { testOutage(t, e, tc.judge, tc.wantPromoted) })
	}
}

func testOutage(t *testing.T, e *env, judge iapiv1alpha1.AnalysisJudge, wantPromoted bool) {
	local := e.localCluster(t, "stops and restarts the PostgreSQL the pods use")
	s := e.newScenario(t, "e2e-outage-"+strings.ToLower(string(judge)), scenarioOptions{})
	rollout := framework.QuickRollout()
	rollout.Analysis.Judge = judge
	rollout.Analysis.FailureLimit = 1
	if judge == iapiv1alpha1.JudgeThreshold {
		// Threshold's relative check (canary p99 against 2× the stable pods') rolls a
		// fresh canary pod back on a busy machine before the outage begins (7 of 12
		// A/A canaries in `make bench-judge`, docs/benchmarks.md); off here, since
		// the scenario asserts what the judge makes of the outage itself.
		rollout.Analysis.Thresholds.MaxP99VsStable = "0"
	}
	// Inconclusive analyses while the database is down must not freeze the rollout:
	// the scenario looks at what happens when it returns.
	rollout.Analysis.InconclusiveLimit = 20
	// The instance runs async and the canary changes only the pool's recycle age: a
	// revision whose pods behave as the stable ones do, so that what the judges see is
	// the outage alone.
	in := s.createInstance(framework.InstanceOptions{Rollout: rollout, Async: true})
	s.startLoad(steadyLoad())
	time.Sleep(2 * time.Second)

	w := framework.Watch(t.Context(), e.client, s.key, func(o framework.Observation) {
		t.Logf("%s %s", o.Time.Format("15:04:05.000"), framework.StatusLine(o.Instance))
	})
	t.Cleanup(w.Stop)
	s.kubectlPatch(outageCanaryPatch)
	analysed, err := framework.WaitInstance(t.Context(), e.client, s.key, 2*time.Minute, "step 1's canary analysed once",
		func(in *iapiv1alpha1.InterviewAPI) (bool, string) {
			st := in.Status
			once := st.Canary != nil && st.StepStartTime != nil && st.LastAnalysis != nil && st.LastAnalysis.Step == 0 &&
				st.LastAnalysis.Time.After(st.StepStartTime.Time)
			return once || st.Phase == iapiv1alpha1.PhaseRolledBack, "step 1 not analysed yet"
		})
	if err != nil {
		t.Fatal(err)
	}
	if analysed.Status.Phase == iapiv1alpha1.PhaseRolledBack {
		t.Fatalf("rolled back before the outage: %s", conditionMessages(analysed))
	}

	stopped := time.Now()
	if err := local.StopDatabase(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Whatever happens next, the database comes back for the other scenarios.
	restart := func() {
		if err := local.StartDatabase(context.WithoutCancel(t.Context())); err != nil {
			t.Errorf("start the database again: %v", err)
		}
	}
	t.Logf("PostgreSQL stopped")
	time.Sleep(outageLength)
	restart()
	started := time.Now()
	t.Logf("PostgreSQL started again after %s", started.Sub(stopped).Round(100*time.Millisecond))

	end, err := w.WaitFor(t.Context(), 3*time.Minute, "the rollout promoted or rolled back",
		func(in *iapiv1alpha1.InterviewAPI) (bool, string) {
			return outageCanaryPromoted(in) || in.Status.Phase == iapiv1alpha1.PhaseRolledBack, "still rolling out"
		})
	if err != nil {
		t.Fatal(err)
	}
	final := end.Instance

	// Nothing passed or was promoted on the outage's evidence.
	interval := in.Spec.Rollout.Analysis.Interval.Duration
	seen := map[time.Time]bool{}
	judged := 0
	// Verdicts of the analyses whose interval overlapped the outage.
	verdicts := map[string]int{}
	for _, o := range w.Observations() {
		a := o.Instance.Status.LastAnalysis
		if a == nil || seen[a.Time.Time] || !a.Time.After(stopped) {
			continue
		}
		seen[a.Time.Time] = true
		t.Logf("analysis at %s (step %d): %s — %s", a.Time.Format("15:04:05"), a.Step+1, a.Verdict, a.Message)
		if !a.Time.Add(-interval).After(started) {
			verdicts[a.Verdict]++
		}
		inside := !a.Time.Add(-interval).Before(stopped.Add(-time.Second)) && !a.Time.After(started)
		if inside {
			judged++
			if a.Verdict == iapiv1alpha1.VerdictPass {
				t.Errorf("an analysis of the outage passed: %+v", a)
			}
			if judge == iapiv1alpha1.JudgeCompare && a.Verdict == iapiv1alpha1.VerdictFail {
				t.Errorf("the Compare judge failed the canary for a fault the stable pods shared: %+v", a)
			}
		}
	}
	for _, h := range final.Status.History {
		if h.Outcome == iapiv1alpha1.OutcomePromoted && h.Pool.Recycle != nil && h.Pool.Recycle.Duration == outageCanaryRecycle &&
			h.Time.Time.Before(started) {
			t.Errorf("promoted at %s, during the outage (%s to %s)", h.Time, stopped.Format(time.TimeOnly), started.Format(time.TimeOnly))
		}
	}
	if judged == 0 && final.Status.Phase != iapiv1alpha1.PhaseRolledBack {
		t.Errorf("no analysis ran inside the outage and the rollout was not rolled back: the outage was not judged")
	}

	switch {
	case wantPromoted && outageCanaryPromoted(final):
		t.Logf("FIGURE outage (judge %s): analyses overlapping the outage %v, then resumed and promoted %s after the database returned",
			judge, verdicts, end.Time.Sub(started).Round(100*time.Millisecond))
	case !wantPromoted && final.Status.Phase == iapiv1alpha1.PhaseRolledBack:
		c := requireRollbackExplained(t, final)
		t.Logf("FIGURE outage (judge %s): rolled back %s after the database stopped: %s",
			judge, end.Time.Sub(stopped).Round(100*time.Millisecond), c.Message)
	default:
		t.Errorf("with the %s judge the rollout ended %s, want promoted=%t", judge, framework.StatusLine(final), wantPromoted)
	}

	// No acknowledged write was lost.
	s.waitPods(2*time.Minute, "4 pods ready", func(p framework.Pods) bool { return p.Ready == 4 && p.Terminating == 0 })
	load := s.load
	time.Sleep(2 * time.Second)
	total := load.Counts()
	load.Stop()
	s.load = nil
	writes := load.Writes()
	if len(writes) == 0 {
		t.Fatal("no analyze-answer was acknowledged: the load wrote nothing")
	}
	if n := load.UnreadWrites(); n > 0 {
		t.Errorf("%d acknowledged analyze-answer responses had no analysis_id", n)
	}
	missing, err := framework.MissingAnalyses(t.Context(), s.dbURL, writes)
	if err != nil {
		t.Fatal(err)
	}
	if len(missing) > 0 {
		t.Errorf("%d of %d acknowledged answers are not in the database, e.g. %v", len(missing), len(writes), missing[:min(5, len(missing))])
	}
	t.Logf("FIGURE outage (judge %s): %d acknowledged answers, %d missing from the database; load over the scenario %s",
		judge, len(writes), len(missing), total)
}
