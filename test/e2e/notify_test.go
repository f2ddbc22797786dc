//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/notify"
	"github.com/interviewapi/operator/test/e2e/framework"
)

// webhookReceiver is a Webhook receiver in the test process, listening on 127.0.0.1
// where the scenario's operator runs: the host's on the process node, the node's
// network namespace on the real node (Cluster.NodeListen).
type webhookReceiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	received []received
}

// received is one POST: its payload and the decision-ID header it came with.
type received struct {
	payload notify.WebhookPayload
	header  string
	err     error
}

func newWebhookReceiver(t *testing.T, e *env) *webhookReceiver {
	ln, err := e.cluster.NodeListen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen for the webhook receiver: %v", err)
	}
	r := &webhookReceiver{}
	r.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var got received
		body, err := io.ReadAll(req.Body)
		if err == nil {
			err = json.Unmarshal(body, &got.payload)
		}
		got.header, got.err = req.Header.Get("X-Interviewapi-Decision-Id"), err
		r.mu.Lock()
		r.received = append(r.received, got)
		r.mu.Unlock()
	}))
	r.srv.Listener.Close()
	r.srv.Listener = ln
	r.srv.Start()
	t.Cleanup(r.srv.Close)
	return r
}

func (r *webhookReceiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.received)
}

// testNotificationsOfEveryDecision: an instance with a Webhook receiver has a larger
// pool rolled out and promoted, then a starving pool rolled back by its analysis. Every
// decision of both arrives at the receiver once, in order, with the fields
// docs/rollouts.md ("Notifications") documents.
func testNotificationsOfEveryDecision(t *testing.T, e *env) {
	rcv := newWebhookReceiver(t, e)
	s := e.newScenario(t, "e2e-notify", scenarioOptions{operatorArgs: []string{"--allowed-notification-urls=" + rcv.srv.URL + "/"}})
	rollout := framework.QuickRollout()
	rollout.Notifications = []iapiv1alpha1.Notification{{Type: iapiv1alpha1.NotificationWebhook, URL: rcv.srv.URL + "/hook"}}
	// What is tested here is the notifications, not the judge: on two cores shared
	// with other work, a new pod's first acquires (its pool opening connections) wait
	// up to a few hundred milliseconds, against the warm stable pods' few, which fails
	// the acquire-wait checks of a healthy canary. The rollback below fails on the
	// share of timed-out acquires, which this does not touch.
	rollout.Analysis.Thresholds.MaxP99VsStable = "1000"
	rollout.Analysis.Thresholds.MaxAcquireWaitP99 = &metav1.Duration{Duration: 2 * time.Second}
	// The judge these settings were chosen and run for (the suite's default is Compare).
	rollout.Analysis.Judge = iapiv1alpha1.JudgeThreshold
	in := s.createInstance(framework.InstanceOptions{Rollout: rollout})
	syncRev := in.Status.Stable.Revision

	// A promotion: a larger pool on the same engine, which the analysis passes
	// whatever the machine's load does to both tracks alike.
	s.startLoad(steadyLoad())
	s.kubectlPatch(`{"spec":{"database":{"pool":{"size":10}}}}`)
	s.waitPromotedPool(10, *framework.SmallPool().MaxOverflow)
	largerRev := s.get().Status.Stable.Revision

	// An automatic rollback: a pool that cannot carry the load.
	s.load.Stop()
	s.startLoad(framework.LoadOptions{Concurrency: starvingLoadWorkers})
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"database": map[string]any{"pool": framework.StarvingPool()}}})
	if err != nil {
		t.Fatal(err)
	}
	s.kubectlPatch(string(patch))
	rolledBack, err := framework.WaitInstance(t.Context(), e.client, s.key, rolloutTimeout, "the starving sync pool rolled back",
		func(in *iapiv1alpha1.InterviewAPI) (bool, string) {
			return in.Status.Phase == iapiv1alpha1.PhaseRolledBack, "not rolled back"
		})
	if err != nil {
		t.Fatal(err)
	}
	poolRev := rolledBack.Status.FailedRevision

	want := []string{
		iapiv1alpha1.ReasonInitialRevision,
		iapiv1alpha1.ReasonRolloutStarted, iapiv1alpha1.ReasonStepPromoted, iapiv1alpha1.ReasonStepPromoted, iapiv1alpha1.ReasonPromoted,
		iapiv1alpha1.ReasonRolloutStarted, iapiv1alpha1.ReasonAnalysisFailed, iapiv1alpha1.ReasonRolledBack,
	}
	err = framework.Until(t.Context(), time.Minute, "every decision delivered", func(context.Context) (bool, string, error) {
		n := len(rcv.all())
		return n >= len(want), fmt.Sprintf("%d of %d delivered", n, len(want)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A repeated delivery would come within the retries' back-off.
	time.Sleep(3 * time.Second)
	got := rcv.all()
	var decisions []string
	for _, r := range got {
		decisions = append(decisions, r.payload.Decision)
	}
	if !slices.Equal(decisions, want) {
		t.Fatalf("decisions received %v, want each once, in order: %v", decisions, want)
	}

	uid := string(rolledBack.UID)
	ids := map[string]bool{}
	for i, r := range got {
		pl := r.payload
		at, timeErr := time.Parse(time.RFC3339, pl.Time)
		if r.err != nil || pl.APIVersion != notify.PayloadAPIVersion || pl.Kind != notify.PayloadKind || len(pl.ID) != 20 || r.header != pl.ID ||
			timeErr != nil || at.Before(in.CreationTimestamp.Add(-time.Second)) ||
			pl.Instance.Namespace != s.ns || pl.Instance.Name != s.key.Name || pl.Instance.UID != uid || pl.Message == "" || pl.Phase == "" || pl.StableRevision == "" {
			t.Errorf("payload %d (%s): %+v, header %q, %v", i, pl.Decision, pl, r.header, r.err)
		}
		if ids[pl.ID] {
			t.Errorf("payload %d repeats the ID %s", i, pl.ID)
		}
		ids[pl.ID] = true
	}
	for i, wantRev := range map[int]string{1: largerRev, 4: largerRev, 5: poolRev, 6: poolRev, 7: poolRev} {
		if pl := got[i].payload; pl.Revision != wantRev {
			t.Errorf("%s: revision %s, want %s", pl.Decision, pl.Revision, wantRev)
		}
	}
	initial, started, promoted := got[0].payload, got[1].payload, got[4].payload
	if initial.StableRevision != syncRev || initial.Mode != "sync" || initial.Step != nil {
		t.Errorf("InitialRevision: %+v", initial)
	}
	if started.Step == nil || started.Step.Index != 0 || started.Step.Number != 1 || started.Step.Count != 3 || started.Step.Weight != 25 || started.Mode != "sync" {
		t.Errorf("RolloutStarted: %+v step %+v", started, started.Step)
	}
	for i, number := range map[int]int32{2: 2, 3: 3} {
		if st := got[i].payload.Step; st == nil || st.Number != number {
			t.Errorf("StepPromoted %d: step %+v, want step %d next", i, st, number)
		}
	}
	if promoted.StableRevision != largerRev || promoted.Mode != "sync" || promoted.Severity != corev1.EventTypeNormal {
		t.Errorf("Promoted: %+v", promoted)
	}
	// The failed checks are those of the analysis the status recorded.
	var failedChecks []notify.PayloadCheck
	if a := rolledBack.Status.LastAnalysis; a != nil {
		for _, m := range a.Metrics {
			if m.Verdict == iapiv1alpha1.VerdictFail && !m.DryRun {
				failedChecks = append(failedChecks, notify.PayloadCheck{Name: m.Name, Value: m.Value, Threshold: m.Threshold})
			}
		}
	}
	if len(failedChecks) == 0 {
		t.Fatalf("the rollback's analysis has no failed check: %+v", rolledBack.Status.LastAnalysis)
	}
	for _, pl := range []notify.WebhookPayload{got[6].payload, got[7].payload} {
		if pl.Severity != corev1.EventTypeWarning || pl.Step == nil || pl.Step.Number != 1 || !slices.Equal(pl.FailedChecks, failedChecks) {
			t.Errorf("%s: %+v step %+v failed checks %+v, want %+v", pl.Decision, pl, pl.Step, pl.FailedChecks, failedChecks)
		}
	}
	if rb := got[7].payload; rb.StableRevision != largerRev || rb.Phase != string(iapiv1alpha1.PhaseRolledBack) {
		t.Errorf("RolledBack: stable %s phase %s", rb.StableRevision, rb.Phase)
	}
	t.Logf("FIGURE notifications: %d decisions delivered once each, in order: %v", len(got), decisions)
}
