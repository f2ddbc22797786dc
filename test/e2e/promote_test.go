//go:build e2e

package e2e

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/e2e/framework"
)

// testPromotedThenPatchedBack is issue scenarios 1 and 3. Under steady load, async is
// enabled with kubectl patch: the canary walks every step and is promoted with no
// request failing, and every pod ends on async. Then async is patched off: the
// promoted-before revision is applied at once, without a canary, again with no
// request failing, and the time from the patch to every pod on sync and ready is
// measured.
func testPromotedThenPatchedBack(t *testing.T, e *env) {
	s := e.newScenario(t, "e2e-promote", scenarioOptions{})
	in := s.createInstance(framework.InstanceOptions{})
	s.startLoad(steadyLoad())
	time.Sleep(2 * time.Second) // a steady load before the change

	p := s.enableAsync(nil)
	configured := framework.ConfiguredRolloutTime(in)
	t.Logf("FIGURE promotion: patch→promoted %s, patch→all pods on async %s, configured pauses+intervals %s, load %s",
		p.promoted.Sub(p.patched).Round(100*time.Millisecond), p.allPods.Sub(p.patched).Round(100*time.Millisecond),
		configured, p.load)
	p.watcher.Stop()

	// Scenario 3: back to sync at once.
	before := s.load.Counts()
	canaryGrew := watchCanary(t, e, types.NamespacedName{Namespace: s.ns, Name: in.CanaryName()})
	patched := s.kubectlPatch(patchAsyncOff)
	s.waitPods(time.Minute, "every pod on sync and ready", func(p framework.Pods) bool { return p.AllOn(4, "sync") })
	applied := time.Now()
	got := s.requireNoFailures("load during the patch back to sync", before, patched)
	if grew := canaryGrew(); grew != "" {
		t.Errorf("the patch back to sync went through a canary: %s", grew)
	}
	after := s.get()
	if h := framework.LastHistory(after); h == nil || h.Outcome != iapiv1alpha1.OutcomeFastRollback || h.Async {
		t.Errorf("last history entry %+v, want the sync revision applied as FastRollback", h)
	}
	if after.Status.Phase != iapiv1alpha1.PhaseHealthy || after.Status.Stable == nil || after.Status.Stable.Async {
		t.Errorf("after the patch back: %s, want Healthy on sync", framework.StatusLine(after))
	}
	t.Logf("FIGURE fast rollback: patch→all pods on sync and ready %s, load %s",
		applied.Sub(patched).Round(100*time.Millisecond), got)
}

// watchCanary polls a canary Deployment in the background; the function it returns
// stops polling and says whether the Deployment ever asked for pods.
func watchCanary(t *testing.T, e *env, key types.NamespacedName) func() string {
	done := make(chan struct{})
	result := make(chan string, 1)
	go func() {
		grew := ""
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			var d appsv1.Deployment
			err := e.client.Get(t.Context(), key, &d)
			if err == nil && d.Spec.Replicas != nil && *d.Spec.Replicas > 0 && grew == "" {
				grew = fmt.Sprintf("Deployment %s had %d replicas", key, *d.Spec.Replicas)
			} else if err != nil && !apierrors.IsNotFound(err) && grew == "" && t.Context().Err() == nil {
				grew = fmt.Sprintf("cannot read Deployment %s: %v", key, err)
			}
			select {
			case <-done:
				result <- grew
				return
			case <-tick.C:
			}
		}
	}()
	return func() string {
		close(done)
		return <-result
	}
}
