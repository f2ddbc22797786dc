package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/notify"
	"github.com/interviewapi/operator/internal/urlallow"
)

// hookReceiver is a webhook receiver on 127.0.0.1: it keeps every request's body by
// the path it was sent to, in arrival order.
type hookReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies map[string][][]byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	h := &hookReceiver{bodies: map[string][][]byte{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies[r.URL.Path] = append(h.bodies[r.URL.Path], b)
		h.mu.Unlock()
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// webhooks are the Webhook payloads received at path.
func (h *hookReceiver) webhooks(t *testing.T, path string) []notify.WebhookPayload {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []notify.WebhookPayload
	for _, b := range h.bodies[path] {
		var p notify.WebhookPayload
		if err := json.Unmarshal(b, &p); err != nil {
			t.Fatalf("%s: %v in %s", path, err, b)
		}
		out = append(out, p)
	}
	return out
}

func (h *hookReceiver) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.bodies[path])
}

func decisionsIn(ps []notify.WebhookPayload) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Decision)
	}
	return out
}

// TestNotifications runs a promotion and an automatic rollback with three receivers:
// a Webhook whose address is in a Secret, a Slack receiver, and one whose address the
// operator's allow-list refuses. Every decision reaches the allowed receivers once, in
// order, with the documented fields; the refused one gets nothing and is reported in
// a condition and an Event; the only Secret request is a get of the one Secret named.
func TestNotifications(t *testing.T) {
	t.Parallel()
	e := startWithOperatorRBAC(t)
	rcv := newHookReceiver(t)
	allowed, err := urlallow.Parse([]string{rcv.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	const ns = "notify"
	refusedURL := strings.Replace(rcv.srv.URL, "127.0.0.1", "localhost", 1) + "/refused"
	requests := &requestLog{}
	s := newScenarioWith(t, e, ns, nil, func(in *iapiv1alpha1.InterviewAPI) {
		// The namespace exists now and the instance does not yet: the Secrets go in
		// first, so the first pass reads the receiver's address.
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "rollout-hook"},
			Data:       map[string][]byte{"url": []byte(rcv.srv.URL + "/secret-hook\n")},
		}
		other := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unrelated"}, Data: map[string][]byte{"url": []byte("x")}}
		for _, s := range []*corev1.Secret{secret, other} {
			if err := e.Client.Create(context.Background(), s); err != nil {
				t.Fatal(err)
			}
		}
		in.Spec.Rollout.Notifications = []iapiv1alpha1.Notification{
			{Type: iapiv1alpha1.NotificationWebhook, URLSecretRef: &iapiv1alpha1.SecretKeyRef{Name: "rollout-hook", Key: "url"}},
			{Type: iapiv1alpha1.NotificationSlack, URL: rcv.srv.URL + "/slack"},
			{Type: iapiv1alpha1.NotificationWebhook, URL: refusedURL},
		}
	}, withNotifications(allowed), withRequestLog(requests))

	// The refused receiver is reported at once, naming it without its path.
	in := s.get(t)
	c := meta.FindStatusCondition(in.Status.Conditions, iapiv1alpha1.ConditionNotificationsReady)
	if c == nil || c.Status != metav1.ConditionFalse || c.Reason != iapiv1alpha1.ReasonNotificationURLNotAllowed ||
		!strings.Contains(c.Message, "spec.rollout.notifications[2]") || strings.Contains(c.Message, "/refused") {
		t.Fatalf("NotificationsReady %+v", c)
	}
	s.waitEvent(t, corev1.EventTypeWarning, iapiv1alpha1.ReasonNotificationURLNotAllowed, "spec.rollout.notifications[2]")

	// A promotion: three steps, then promoted.
	startRollout(t, s)
	asyncRev := s.get(t).Status.Canary.Revision
	for range 3 {
		s.tick(analysisInterval)
		s.converge(t)
	}
	if st := s.get(t).Status; st.Stable.Revision != asyncRev || st.Canary != nil {
		t.Fatalf("not promoted: stable %+v canary %+v", st.Stable, st.Canary)
	}
	// An automatic rollback: a new pool size whose second step fails its analysis.
	s.tick(time.Minute)
	s.patch(t, `{"spec":{"database":{"pool":{"size":10}}}}`)
	s.converge(t)
	poolRev := s.get(t).Status.Canary.Revision
	s.tick(analysisInterval)
	s.converge(t)
	s.source.setCanaryP99(250 * time.Millisecond)
	s.tick(analysisInterval)
	s.converge(t)
	if st := s.get(t).Status; st.Phase != iapiv1alpha1.PhaseRolledBack || st.FailedRevision != poolRev {
		t.Fatalf("not rolled back: phase %s failed revision %q", st.Phase, st.FailedRevision)
	}

	want := []string{
		iapiv1alpha1.ReasonInitialRevision, iapiv1alpha1.ReasonNotificationURLNotAllowed,
		iapiv1alpha1.ReasonRolloutStarted, iapiv1alpha1.ReasonStepPromoted, iapiv1alpha1.ReasonStepPromoted, iapiv1alpha1.ReasonPromoted,
		iapiv1alpha1.ReasonRolloutStarted, iapiv1alpha1.ReasonStepPromoted, iapiv1alpha1.ReasonAnalysisFailed, iapiv1alpha1.ReasonRolledBack,
	}
	eventually(t, "every decision at both receivers", func() error {
		if n, m := rcv.count("/secret-hook"), rcv.count("/slack"); n < len(want) || m < len(want) {
			return fmt.Errorf("%d webhook and %d Slack deliveries of %d", n, m, len(want))
		}
		return nil
	})
	s.op.writes.waitQuiet(t, 300*time.Millisecond)
	got := rcv.webhooks(t, "/secret-hook")
	if !slices.Equal(decisionsIn(got), want) {
		t.Fatalf("decisions received %v, want once each, in order: %v", decisionsIn(got), want)
	}
	if n := rcv.count("/slack"); n != len(want) {
		t.Errorf("%d Slack messages, want %d", n, len(want))
	}
	if n := rcv.count("/refused"); n != 0 {
		t.Errorf("the refused receiver got %d requests", n)
	}

	uid := string(s.get(t).UID)
	ids := map[string]bool{}
	for i, p := range got {
		if p.APIVersion != notify.PayloadAPIVersion || p.Kind != notify.PayloadKind || p.Instance.Namespace != ns ||
			p.Instance.Name != "interview" || p.Instance.UID != uid || p.Message == "" || p.Time == "" || len(p.ID) != 20 {
			t.Errorf("payload %d: %+v", i, p)
		}
		if ids[p.ID] {
			t.Errorf("payload %d repeats the ID %s", i, p.ID)
		}
		ids[p.ID] = true
	}
	started, promoted := got[2], got[5]
	if started.Revision != asyncRev || started.Step == nil || started.Step.Number != 1 || started.Step.Weight != 25 || started.Mode != "sync→async" {
		t.Errorf("RolloutStarted: %+v step %+v", started, started.Step)
	}
	if promoted.Revision != asyncRev || promoted.StableRevision != asyncRev || promoted.Phase == "" || promoted.Mode != "async" {
		t.Errorf("Promoted: %+v", promoted)
	}
	failed, rolledBack := got[8], got[9]
	for _, p := range []notify.WebhookPayload{failed, rolledBack} {
		if p.Severity != corev1.EventTypeWarning || p.Revision != poolRev || p.Step == nil || p.Step.Number != 2 ||
			!slices.Equal(p.FailedChecks, []notify.PayloadCheck{
				{Name: "acquireWaitP99", Value: "250ms", Threshold: "<= 100ms"},
				{Name: "acquireWaitP99VsStable", Value: "250ms", Threshold: "<= 2 x stable 4ms = 8ms"},
			}) {
			t.Errorf("%s: %+v step %+v checks %+v", p.Decision, p, p.Step, p.FailedChecks)
		}
	}
	if rolledBack.StableRevision != asyncRev || rolledBack.Phase != string(iapiv1alpha1.PhaseRolledBack) {
		t.Errorf("RolledBack: stable %s phase %s", rolledBack.StableRevision, rolledBack.Phase)
	}
	if got := s.metric(t, "interviewapi_operator_notifications_total", "type", "Webhook", "result", "delivered"); got != float64(len(want)) {
		t.Errorf("delivered Webhooks counted %v, want %d", got, len(want))
	}
	if got := s.metric(t, "interviewapi_operator_notifications_total", "type", "Webhook", "result", "refused"); got != float64(len(want)) {
		t.Errorf("refused Webhooks counted %v, want %d", got, len(want))
	}

	// The Secret was only ever read by a get of its own name, never listed or
	// watched, and no other Secret was read.
	secretRequests := requests.matching("/secrets")
	if len(secretRequests) == 0 {
		t.Fatal("the Secret of the receiver was never read")
	}
	for _, r := range secretRequests {
		if r != "GET /api/v1/namespaces/"+ns+"/secrets/rollout-hook?" {
			t.Errorf("request %q: want only gets of the one Secret named", r)
		}
	}
	// RBAC keeps it that way: the operator may not list Secrets.
	var list corev1.SecretList
	if err := impersonatedClient(t, e).List(context.Background(), &list); err == nil {
		t.Error("the operator's RBAC lets it list Secrets")
	}
}

// A receiver that does not answer holds no pass: decisions are queued and the rollout
// goes on; the failure is an Event once the retries are spent.
func TestNotificationFailureIsReported(t *testing.T) {
	t.Parallel()
	e := startWithOperatorRBAC(t)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(failing.Close)
	allowed, err := urlallow.Parse([]string{failing.URL})
	if err != nil {
		t.Fatal(err)
	}
	s := newScenarioWith(t, e, "notify-failing", nil, func(in *iapiv1alpha1.InterviewAPI) {
		in.Spec.Rollout.Notifications = []iapiv1alpha1.Notification{{Type: iapiv1alpha1.NotificationWebhook, URL: failing.URL + "/hook"}}
	}, withNotifications(allowed))
	startRollout(t, s)
	if st := s.get(t).Status; st.Canary == nil || st.Phase != iapiv1alpha1.PhaseProgressing {
		t.Fatalf("the rollout did not start: %+v", st)
	}
	// The Event recorder folds Events of one reason into a series whose message is the
	// first one's: that is the first decision's.
	s.waitEvent(t, corev1.EventTypeWarning, iapiv1alpha1.ReasonNotificationFailed, "InitialRevision", "notifications[0] (Webhook, http://127.0.0.1:", "503")
	eventually(t, "the failures counted", func() error {
		if got := s.metric(t, "interviewapi_operator_notifications_total", "type", "Webhook", "result", "failed"); got < 2 {
			return fmt.Errorf("failed = %v, want the InitialRevision and RolloutStarted decisions", got)
		}
		return nil
	})
	if c := meta.FindStatusCondition(s.get(t).Status.Conditions, iapiv1alpha1.ConditionNotificationsReady); c == nil || c.Status != metav1.ConditionTrue {
		t.Errorf("NotificationsReady %+v: an allowed receiver that fails is not a configuration problem", c)
	}
}
