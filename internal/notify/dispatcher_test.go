package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
)

// receiver is a webhook receiver on 127.0.0.1 that records the decision IDs it
// accepted, in order, and answers with what respond says.
type receiver struct {
	srv *httptest.Server

	mu       sync.Mutex
	accepted []string
	attempts map[string]int
	respond  func(id string, attempt int) int
}

func newReceiver(t *testing.T, respond func(id string, attempt int) int) *receiver {
	r := &receiver{attempts: map[string]int{}, respond: respond}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var p WebhookPayload
		body, _ := io.ReadAll(req.Body)
		if err := json.Unmarshal(body, &p); err != nil || p.APIVersion != PayloadAPIVersion || req.Header.Get("X-Interviewapi-Decision-Id") != p.ID {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.attempts[p.ID]++
		code := http.StatusOK
		if r.respond != nil {
			code = r.respond(p.ID, r.attempts[p.ID])
		}
		if code == http.StatusOK {
			r.accepted = append(r.accepted, p.ID)
		}
		r.mu.Unlock()
		w.WriteHeader(code)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.accepted)
}

// counter is an Observer that counts by event.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[k]++
}
func (c *counter) get(k string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[k]
}
func (c *counter) NotificationDelivered(_, _, typ string) { c.add("delivered/" + typ) }
func (c *counter) NotificationRetried(_, _, typ string)   { c.add("retried/" + typ) }
func (c *counter) NotificationFailed(_, _, typ string)    { c.add("failed/" + typ) }
func (c *counter) NotificationDropped(_, _ string)        { c.add("dropped") }
func (c *counter) NotificationsQueued(int)                {}

// failures collects the Report calls.
type failures struct {
	mu  sync.Mutex
	all []Failure
}

func (f *failures) report(x Failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.all = append(f.all, x)
}
func (f *failures) list() []Failure {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.all)
}

// fast is a back-off of a few milliseconds: the tests count attempts, not seconds.
func fast(retries int) *wait.Backoff {
	return &wait.Backoff{Duration: time.Millisecond, Factor: 2, Steps: retries}
}

func start(t *testing.T, opts Options) *Dispatcher {
	d := NewDispatcher(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Start(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return d
}

func decision(instance types.NamespacedName, n int) Decision {
	at := time.Date(2026, 3, 1, 12, 0, n, 0, time.UTC)
	return Decision{ID: DecisionID("uid-"+instance.Name, "rev", int32(n), "StepPromoted", at, 0), Reason: "StepPromoted",
		Severity: "Normal", Time: at, Namespace: instance.Namespace, Name: instance.Name, Message: fmt.Sprint("decision ", n)}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

var inst = types.NamespacedName{Namespace: "ns", Name: "a"}

// Decisions arrive in order, each once, even when the receiver fails some attempts:
// a later decision waits for the retries of an earlier one.
func TestDeliversInOrderThroughRetries(t *testing.T) {
	rcv := newReceiver(t, func(_ string, attempt int) int {
		if attempt <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	obs := &counter{}
	d := start(t, Options{Backoff: fast(4), Observer: obs})
	var want []string
	for n := range 5 {
		dec := decision(inst, n)
		want = append(want, dec.ID)
		if !d.Enqueue(Message{Instance: inst, Decision: dec, Targets: []Target{{Type: TypeWebhook, URL: rcv.srv.URL}}}) {
			t.Fatalf("decision %d not queued", n)
		}
	}
	waitFor(t, "5 deliveries", func() bool { return len(rcv.got()) == 5 })
	if got := rcv.got(); !slices.Equal(got, want) {
		t.Errorf("received %v, want %v", got, want)
	}
	// 2 failed attempts before each success: 10 retries, 5 deliveries, no failure.
	if obs.get("retried/Webhook") != 10 || obs.get("delivered/Webhook") != 5 || obs.get("failed/Webhook") != 0 {
		t.Errorf("counts %v", obs.n)
	}
	waitFor(t, "the queue to drain", func() bool { return d.Queued() == 0 })
}

// A decision taken again (the same ID) is sent once.
func TestSendsADecisionOnce(t *testing.T) {
	rcv := newReceiver(t, nil)
	d := start(t, Options{Backoff: fast(1)})
	target := []Target{{Type: TypeWebhook, URL: rcv.srv.URL}}
	first, second := decision(inst, 1), decision(inst, 2)
	if !d.Enqueue(Message{Instance: inst, Decision: first, Targets: target}) {
		t.Fatal("not queued")
	}
	if d.Enqueue(Message{Instance: inst, Decision: first, Targets: target}) {
		t.Error("a repeat was queued")
	}
	d.Enqueue(Message{Instance: inst, Decision: second, Targets: target})
	waitFor(t, "2 deliveries", func() bool { return len(rcv.got()) == 2 })
	if got := rcv.got(); !slices.Equal(got, []string{first.ID, second.ID}) {
		t.Errorf("received %v", got)
	}
	// Another instance's decision with the same ID is its own.
	other := types.NamespacedName{Namespace: "ns", Name: "b"}
	if !d.Enqueue(Message{Instance: other, Decision: first, Targets: target}) {
		t.Error("another instance's decision was taken for a repeat")
	}
}

// hangingReceiver never answers: its requests end when the client gives up or the
// test does.
func hangingReceiver(t *testing.T) *httptest.Server {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Read to the end, so the server notices the client going away.
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	return hang
}

// Enqueue never waits for a receiver: with every worker stuck on a receiver that does
// not answer, decisions beyond the capacity are dropped and reported at once.
func TestBoundedQueueDropsInsteadOfBlocking(t *testing.T) {
	hang := hangingReceiver(t)
	fails := &failures{}
	obs := &counter{}
	d := start(t, Options{Capacity: 3, Backoff: fast(0), AttemptTimeout: time.Minute, Observer: obs, Report: fails.report})
	target := []Target{{Type: TypeWebhook, URL: hang.URL}}
	queued := 0
	for n := range 6 {
		if d.Enqueue(Message{Instance: inst, Decision: decision(inst, n), Targets: target}) {
			queued++
		}
	}
	if queued != 3 || d.Queued() != 3 {
		t.Errorf("queued %d (Queued %d), want the capacity 3", queued, d.Queued())
	}
	got := fails.list()
	if len(got) != 3 || obs.get("dropped") != 3 {
		t.Fatalf("%d failures reported, %d dropped counted; want 3", len(got), obs.get("dropped"))
	}
	for _, f := range got {
		if !f.Dropped || f.Err == nil {
			t.Errorf("failure %+v: want Dropped with a reason", f)
		}
	}
}

// One instance's dead receiver does not hold up another instance's decisions.
func TestInstancesDoNotWaitForEachOther(t *testing.T) {
	hang := hangingReceiver(t)
	rcv := newReceiver(t, nil)
	d := start(t, Options{Backoff: fast(0), AttemptTimeout: time.Minute})
	d.Enqueue(Message{Instance: inst, Decision: decision(inst, 1), Targets: []Target{{Type: TypeWebhook, URL: hang.URL}}})
	other := types.NamespacedName{Namespace: "ns", Name: "b"}
	d.Enqueue(Message{Instance: other, Decision: decision(other, 1), Targets: []Target{{Type: TypeWebhook, URL: rcv.srv.URL}}})
	waitFor(t, "the other instance's delivery", func() bool { return len(rcv.got()) == 1 })
}

// An attempt that outlives its timeout is retried, and a delivery that fails every
// attempt is reported with its receiver, whose URL is redacted.
func TestAttemptTimeoutAndFailureReport(t *testing.T) {
	var mu sync.Mutex
	attempts := 0
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		attempts++
		mu.Unlock()
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(hang.Close)
	fails := &failures{}
	obs := &counter{}
	d := start(t, Options{Backoff: fast(2), AttemptTimeout: 20 * time.Millisecond, Observer: obs, Report: fails.report})
	target := Target{Index: 2, Type: TypeSlack, URL: hang.URL + "/services/T0/B0/secret"}
	d.Enqueue(Message{Instance: inst, Decision: decision(inst, 1), Targets: []Target{target}})
	waitFor(t, "the failure report", func() bool { return len(fails.list()) == 1 })
	f := fails.list()[0]
	mu.Lock()
	n := attempts
	mu.Unlock()
	if n != 3 || obs.get("retried/Slack") != 2 || obs.get("failed/Slack") != 1 {
		t.Errorf("%d attempts, %d retries, %d failures; want 3, 2, 1", n, obs.get("retried/Slack"), obs.get("failed/Slack"))
	}
	if f.Dropped || f.Target.Index != 2 || !errors.Is(f.Err, context.DeadlineExceeded) {
		t.Errorf("failure %+v", f)
	}
	for _, s := range []string{f.Err.Error(), f.Target.String()} {
		if strings.Contains(s, "secret") {
			t.Errorf("%q shows the URL's path", s)
		}
	}
}

// A 4xx is the receiver refusing the request itself: it is not retried. A redirect
// is not followed: its target could be an address the allow-list never saw.
func TestPermanentFailuresAndRedirects(t *testing.T) {
	elsewhere := newReceiver(t, nil)
	var mu sync.Mutex
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits++
		mu.Unlock()
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, elsewhere.srv.URL, http.StatusTemporaryRedirect)
			return
		}
		http.Error(w, "no such hook", http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	fails := &failures{}
	d := start(t, Options{Backoff: fast(3), Report: fails.report})
	d.Enqueue(Message{Instance: inst, Decision: decision(inst, 1), Targets: []Target{
		{Index: 0, Type: TypeWebhook, URL: srv.URL + "/gone"},
		{Index: 1, Type: TypeWebhook, URL: srv.URL + "/redirect"},
	}})
	waitFor(t, "two failure reports", func() bool { return len(fails.list()) == 2 })
	mu.Lock()
	defer mu.Unlock()
	if hits != 2 {
		t.Errorf("%d requests, want one per receiver (no retry of a 4xx or 3xx)", hits)
	}
	if len(elsewhere.got()) != 0 {
		t.Error("the redirect was followed")
	}
}
