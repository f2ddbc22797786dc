//go:build e2e

package e2e

import (
	"encoding/json"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/e2e/framework"
)

// testStarvingPoolRolledBack is issue scenario 2: under steady load, the pool is
// changed to one connection with no overflow and a 50ms wait. The canary's analysis
// fails, the operator rolls it back by itself, status names the failing metric with
// its value and threshold, and once the canary's pods are gone no request fails.
func testStarvingPoolRolledBack(t *testing.T, e *env) {
	s := e.newScenario(t, "e2e-rollback", scenarioOptions{})
	s.createInstance(framework.InstanceOptions{})
	// A closed loop of starvingLoadWorkers keeps that many requests in flight, a
	// quarter of them on the canary pod of the first step: more than its one
	// connection can serve at once, since the sync engine holds a connection for a
	// request's whole life.
	s.startLoad(framework.LoadOptions{Concurrency: starvingLoadWorkers})
	time.Sleep(2 * time.Second)

	before := s.load.Counts()
	patched, end, cond := s.rollBackStarvingPool()
	t.Logf("rolled back: %s", cond.Message)

	// Every pod is back on the stable revision, then traffic runs clean.
	s.waitPods(time.Minute, "4 stable pods ready, none terminating", func(p framework.Pods) bool {
		return p.AllOn(4, "sync") && p.Tracks[iapiv1alpha1.TrackStable] == 4
	})
	recovered := time.Now()
	duringCanary := s.load.Counts().Sub(before)
	// The failing analysis and the rollback are one status write: the decision is
	// recorded before the canary is scaled down.
	t.Logf("FIGURE rollback: patch→failed analysis and rollback decision %s, decision→all pods back on stable %s, load from patch to recovery %s",
		end.Time.Sub(patched).Round(100*time.Millisecond), recovered.Sub(end.Time).Round(100*time.Millisecond), duringCanary)

	for _, f := range s.load.FailuresSince(patched) {
		if f.Status == 0 {
			t.Logf("a request without an answer while the canary was replaced: %s", f)
		}
	}

	after := s.load.Counts()
	time.Sleep(5 * time.Second)
	got := s.requireNoFailures("load after the rollback", after, recovered)
	t.Logf("FIGURE rollback: load in the 5s after recovery %s", got)
}

// starvingLoadWorkers is the closed-loop concurrency of the starving-pool scenario.
const starvingLoadWorkers = 12

// rollBackStarvingPool patches StarvingPool in under the scenario's load and waits for
// the operator to roll it back by itself. It checks that status explains the rollback
// (the failing metric, its value and threshold), that history records it and that the
// stable revision is the one before, and returns when the patch was applied, the first
// observation rolled back and its RolledBack condition.
func (s *scenario) rollBackStarvingPool() (time.Time, framework.Observation, *metav1.Condition) {
	t := s.t
	t.Helper()
	stableRevision := s.get().Status.Stable
	w := framework.Watch(t.Context(), s.env.client, s.key, func(o framework.Observation) {
		t.Logf("%s %s", o.Time.Format("15:04:05.000"), framework.StatusLine(o.Instance))
	})
	t.Cleanup(w.Stop)
	pool, err := json.Marshal(map[string]any{"spec": map[string]any{"database": map[string]any{"pool": framework.StarvingPool()}}})
	if err != nil {
		t.Fatal(err)
	}
	patched := s.kubectlPatch(string(pool))

	end, err := w.WaitFor(t.Context(), 3*time.Minute, "the starving pool rolled back",
		func(in *iapiv1alpha1.InterviewAPI) (bool, string) {
			promoted := in.Status.Phase == iapiv1alpha1.PhaseHealthy && in.Status.Stable != nil && in.Status.Stable.Pool.Size == 1
			return promoted || in.Status.Phase == iapiv1alpha1.PhaseRolledBack, "no rollback yet"
		})
	if err != nil {
		t.Fatal(err)
	}
	rolledBack := end.Instance
	if rolledBack.Status.Phase != iapiv1alpha1.PhaseRolledBack {
		t.Fatalf("the starving pool was promoted: %s", framework.StatusLine(rolledBack))
	}

	cond := requireRollbackExplained(t, rolledBack)
	if h := framework.LastHistory(rolledBack); h == nil || h.Outcome != iapiv1alpha1.OutcomeRolledBack || h.Pool.Size != 1 || h.Reason == "" {
		t.Errorf("last history entry %+v, want the starving pool RolledBack with a reason", h)
	}
	if rolledBack.Status.Stable == nil || rolledBack.Status.Stable.Revision != stableRevision.Revision {
		t.Errorf("stable revision after the rollback %+v, want the one before %+v", rolledBack.Status.Stable, stableRevision)
	}
	return patched, end, cond
}
