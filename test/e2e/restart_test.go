//go:build e2e

package e2e

import (
	"testing"
	"time"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/e2e/framework"
)

// testOperatorKilledResumes is issue scenario 4: the operator is killed with SIGKILL
// in the middle of the second step (after an analysis of that step passed) and
// started again. The rollout stays where it was while no operator runs, resumes at the
// same step once the new process holds the Lease, never goes back to an earlier step
// and completes, with no request failing throughout.
func testOperatorKilledResumes(t *testing.T, e *env) {
	s := e.newScenario(t, "e2e-restart", scenarioOptions{})
	s.createInstance(framework.InstanceOptions{})
	s.startLoad(steadyLoad())
	time.Sleep(2 * time.Second)

	var killed, restarted time.Time
	var atKill *iapiv1alpha1.InterviewAPI
	p := s.enableAsync(func(w *framework.Watcher) {
		in, err := framework.WaitInstance(t.Context(), e.client, s.key, 2*time.Minute, "an analysis of step 2 passed",
			func(in *iapiv1alpha1.InterviewAPI) (bool, string) {
				st := in.Status
				return st.Canary != nil && st.CurrentStep != nil && *st.CurrentStep == 1 && st.PassedAnalyses >= 1 &&
					st.LastAnalysis != nil && st.LastAnalysis.Step == 1, "step 2 not analysed yet"
			})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.operator.Kill(); err != nil {
			t.Fatal(err)
		}
		killed = time.Now()
		atKill = in
		t.Logf("operator killed (SIGKILL) at %s", framework.StatusLine(in))

		// Nothing moves without an operator: the step's pause would have ended by now.
		time.Sleep(2 * in.Spec.Rollout.Analysis.Interval.Duration)
		if now := s.get(); now.Status.LastAnalysis == nil || !now.Status.LastAnalysis.Time.Equal(&in.Status.LastAnalysis.Time) ||
			*now.Status.CurrentStep != 1 {
			t.Errorf("the rollout moved with no operator running: %s", framework.StatusLine(now))
		}
		if err := s.operator.Start(); err != nil {
			t.Fatal(err)
		}
		restarted = time.Now()
	})

	// After the kill, the step never went back and the rollout was not restarted.
	revision := atKill.Status.Canary.Revision
	for _, o := range p.watcher.Observations() {
		if o.Time.Before(killed) {
			continue
		}
		st := o.Instance.Status
		if st.Canary != nil && (st.Canary.Revision != revision || st.CurrentStep == nil || *st.CurrentStep < 1) {
			t.Errorf("%s after the restart: canary %s at step %v, want revision %s at step 2 or later",
				o.Time.Format("15:04:05.000"), st.Canary.Revision, st.CurrentStep, revision)
		}
	}
	final := s.get()
	promoted := 0
	for _, h := range final.Status.History {
		if h.Revision == revision {
			if h.Outcome != iapiv1alpha1.OutcomePromoted {
				t.Errorf("history of the rolled-out revision has %s (%s), want only Promoted", h.Outcome, h.Reason)
			}
			promoted++
		}
	}
	if promoted != 1 {
		t.Errorf("the revision was promoted %d times in history, want once", promoted)
	}
	resumed, err := p.watcher.FirstTime(func(in *iapiv1alpha1.InterviewAPI) bool {
		a := in.Status.LastAnalysis
		return a != nil && a.Time.After(restarted.Add(-time.Second)) && !a.Time.Equal(&atKill.Status.LastAnalysis.Time)
	})
	if err != nil {
		resumed = p.promoted
	}
	t.Logf("FIGURE restart: operator down %s; restart→first new analysis %s (includes waiting for the dead leader's Lease to expire); patch→promoted %s, load %s",
		restarted.Sub(killed).Round(100*time.Millisecond), resumed.Sub(restarted).Round(100*time.Millisecond),
		p.promoted.Sub(p.patched).Round(100*time.Millisecond), p.load)
}
