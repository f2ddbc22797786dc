package poolhealth

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// fakePod serves a /metrics body the test swaps between scrapes.
type fakePod struct {
	name string
	srv  *httptest.Server

	mu     sync.Mutex
	body   string
	status int
	block  bool
	seen   []*http.Request
}

func newFakePod(t *testing.T, name, fixture string) *fakePod {
	t.Helper()
	p := &fakePod{name: name, status: http.StatusOK}
	p.serve(t, fixture)
	done := make(chan struct{})
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, r)
		body, status, block := p.body, p.status, p.block
		p.mu.Unlock()
		if block {
			select {
			case <-r.Context().Done():
			case <-done:
			}
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(func() { close(done); p.srv.Close() })
	return p
}

func (p *fakePod) serve(t *testing.T, fixture string) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + fixture)
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	p.mu.Lock()
	p.body, p.status, p.block = string(b), http.StatusOK, false
	p.mu.Unlock()
}

func (p *fakePod) fail(status int) {
	p.mu.Lock()
	p.status = status
	p.mu.Unlock()
}

func (p *fakePod) hang() {
	p.mu.Lock()
	p.block = true
	p.mu.Unlock()
}

func (p *fakePod) pod(t *testing.T) Pod {
	t.Helper()
	host, port, err := net.SplitHostPort(strings.TrimPrefix(p.srv.URL, "http://"))
	if err != nil {
		t.Fatalf("split %s: %v", p.srv.URL, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("port %s: %v", port, err)
	}
	return Pod{UID: types.UID("uid-" + p.name), Name: p.name, IP: host, Port: int32(n)}
}

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// syncCriteria are the default criteria for a canary in sync mode, the mode of the
// captures.
var syncCriteria = CriteriaFor(v1alpha1.AnalysisSpec{}, "sync")

type scrapeFixture struct {
	clock         *fakeClock
	src           *ScrapeSource
	canaryA, canB *fakePod
	stable        *fakePod
	query         Query
}

func newScrapeFixture(t *testing.T) *scrapeFixture {
	f := &scrapeFixture{clock: &fakeClock{now: t0}}
	f.src = NewScrapeSource(WithClock(f.clock.Now), WithScrapeTimeout(200*time.Millisecond))
	f.canaryA = newFakePod(t, "demo-canary-a", "metrics-1.txt")
	f.canB = newFakePod(t, "demo-canary-b", "metrics-1.txt")
	f.stable = newFakePod(t, "demo-stable-a", "metrics-1.txt")
	f.query = Query{
		Namespace: "shop", Instance: "demo",
		Canary:   []Pod{f.canaryA.pod(t), f.canB.pod(t)},
		Stable:   []Pod{f.stable.pod(t)},
		Interval: 30 * time.Second,
		Since:    t0.Add(-time.Minute),
	}
	return f
}

func (f *scrapeFixture) measure(t *testing.T, at time.Time) Measurement {
	t.Helper()
	f.clock.Set(at)
	m, err := f.src.Measure(context.Background(), f.query)
	if err != nil {
		t.Fatalf("Measure at %s: %v", at.Sub(t0), err)
	}
	return m
}

func (f *scrapeFixture) serveAll(t *testing.T, fixture string) {
	for _, p := range []*fakePod{f.canaryA, f.canB, f.stable} {
		p.serve(t, fixture)
	}
}

func TestScrapeSourceBaselineThenDelta(t *testing.T) {
	f := newScrapeFixture(t)

	first := f.measure(t, t0)
	if !first.Pending || first.RetryAfter != 30*time.Second {
		t.Fatalf("first measure = %+v, want Pending with RetryAfter 30s", first)
	}

	f.serveAll(t, "metrics-2.txt")
	m := f.measure(t, t0.Add(30*time.Second))
	if m.Pending {
		t.Fatal("second measure is still pending")
	}
	c := m.Canary
	if c.Pods != 2 || c.Window != 30*time.Second || len(c.Gaps) != 0 {
		t.Errorf("canary pods %d window %s gaps %v, want 2, 30s, none", c.Pods, c.Window, c.Gaps)
	}
	// Each pod made 60 acquires, all waiting under 0.1ms; 0.99 × 120 = 118.8 falls in
	// the first bucket (0, 0.0001].
	if c.Acquires.V != 120 || !approx(c.Utilization.V, (4.2453999289999995-0.99648768)/90) || c.TimeoutRatio.V != 0 || c.ErrorRatio.V != 0 {
		t.Errorf("canary measures %+v", c)
	}
	if !approx(c.AcquireWaitP99.V, 0.0001*118.8/120) {
		t.Errorf("canary p99 = %v", c.AcquireWaitP99.V)
	}
	if m.Stable == nil || m.Stable.Pods != 1 || m.Stable.Acquires.V != 60 {
		t.Errorf("stable = %+v, want one pod with 60 acquires", m.Stable)
	}

	req := f.canaryA.seen[0]
	if req.URL.Path != "/metrics" || !strings.HasPrefix(req.Header.Get("Accept"), "text/plain;version=0.0.4") {
		t.Errorf("scrape GET %s Accept %q, want /metrics asking for the text format", req.URL.Path, req.Header.Get("Accept"))
	}

	r := JudgeThresholds(m.Canary, m.Stable, syncCriteria)
	if r.Verdict != "Pass" {
		t.Errorf("verdict of the captured traffic = %s (%s), want Pass", r.Verdict, r.Message)
	}
}

func TestScrapeSourceJudgesAnExhaustedPoolAsFailing(t *testing.T) {
	f := newScrapeFixture(t)
	f.serveAll(t, "metrics-2.txt")
	f.measure(t, t0)
	f.serveAll(t, "metrics-3.txt")
	m := f.measure(t, t0.Add(30*time.Second))
	r := JudgeThresholds(m.Canary, m.Stable, syncCriteria)
	if r.Verdict != "Fail" {
		t.Fatalf("verdict = %s (%s), want Fail", r.Verdict, r.Message)
	}
	for _, part := range []string{"acquireWaitP99 154ms is above the threshold 100ms", "acquireTimeoutRatio 0.1667", "errorRatio 0.07735"} {
		if !strings.Contains(r.Message, part) {
			t.Errorf("message %q does not name %q", r.Message, part)
		}
	}
}

func TestScrapeSourceEarlyCallKeepsTheWindow(t *testing.T) {
	f := newScrapeFixture(t)
	f.measure(t, t0)

	early := f.measure(t, t0.Add(10*time.Second))
	if !early.Pending || early.RetryAfter != 20*time.Second {
		t.Fatalf("early measure = %+v, want Pending with RetryAfter 20s", early)
	}
	f.serveAll(t, "metrics-2.txt")
	// Up to a second short still counts as a full window: the rollout schedules from
	// times stored to the second.
	at := t0.Add(29*time.Second + 500*time.Millisecond)
	m := f.measure(t, at)
	if m.Pending || m.Canary.Window != at.Sub(t0) || m.Canary.Acquires.V != 120 {
		t.Errorf("measure = pending %v window %s acquires %v, want the window from the first baseline", m.Pending, m.Canary.Window, m.Canary.Acquires.V)
	}
}

func TestScrapeSourceBaselineBeforeSinceIsDiscarded(t *testing.T) {
	f := newScrapeFixture(t)
	f.measure(t, t0)

	f.query.Since = t0.Add(5 * time.Second) // the step changed after the baseline
	f.serveAll(t, "metrics-2.txt")
	m := f.measure(t, t0.Add(30*time.Second))
	if !m.Pending || m.RetryAfter != 30*time.Second {
		t.Fatalf("measure = %+v, want a new baseline (Pending, 30s)", m)
	}
}

func TestScrapeSourceFailingPodIsAGap(t *testing.T) {
	f := newScrapeFixture(t)
	f.measure(t, t0)

	f.serveAll(t, "metrics-2.txt")
	f.canB.fail(http.StatusServiceUnavailable)
	m := f.measure(t, t0.Add(30*time.Second))
	if m.Pending || m.Canary.Pods != 1 || len(m.Canary.Gaps) != 1 || !strings.Contains(m.Canary.Gaps[0], "demo-canary-b") ||
		!strings.Contains(m.Canary.Gaps[0], "HTTP 503") {
		t.Fatalf("measure = %+v, want pod a measured and pod b a gap with HTTP 503", m.Canary)
	}
	if r := JudgeThresholds(m.Canary, m.Stable, syncCriteria); r.Verdict != "Inconclusive" || !strings.Contains(r.Message, "demo-canary-b") {
		t.Errorf("verdict = %s (%s), want Inconclusive naming the pod", r.Verdict, r.Message)
	}

	// The failed pod kept its baseline: its next window covers both intervals.
	f.canB.serve(t, "metrics-2.txt")
	f.canaryA.serve(t, "metrics-2.txt")
	m = f.measure(t, t0.Add(60*time.Second))
	if m.Canary.Pods != 2 || m.Canary.Window != 60*time.Second || len(m.Canary.Gaps) != 0 {
		t.Errorf("after recovery pods %d window %s gaps %v, want 2 pods, pod b over 60s", m.Canary.Pods, m.Canary.Window, m.Canary.Gaps)
	}
	if m.Canary.Acquires.V != 60 {
		t.Errorf("acquires = %v, want pod b's 60 (pod a served the same capture twice)", m.Canary.Acquires.V)
	}
}

func TestScrapeSourceTimeoutIsAGap(t *testing.T) {
	f := newScrapeFixture(t)
	f.measure(t, t0)
	f.serveAll(t, "metrics-2.txt")
	f.canB.hang()
	m := f.measure(t, t0.Add(30*time.Second))
	if len(m.Canary.Gaps) != 1 || !strings.Contains(m.Canary.Gaps[0], "deadline exceeded") {
		t.Errorf("gaps = %v, want pod b timed out", m.Canary.Gaps)
	}
}

func TestScrapeSourceNoCanaryReachableIsAnError(t *testing.T) {
	f := newScrapeFixture(t)
	f.canaryA.fail(http.StatusInternalServerError)
	f.canB.fail(http.StatusInternalServerError)
	_, err := f.src.Measure(context.Background(), f.query)
	if err == nil || !strings.Contains(err.Error(), "no canary pod could be scraped") {
		t.Fatalf("err = %v, want no canary pod could be scraped", err)
	}
	if _, err := f.src.Measure(context.Background(), Query{Interval: time.Second}); err == nil {
		t.Error("Measure without canary pods succeeded")
	}
}

func TestScrapeSourceRestartedPod(t *testing.T) {
	f := newScrapeFixture(t)
	f.serveAll(t, "metrics-2.txt")
	f.measure(t, t0)
	f.serveAll(t, "metrics-restarted.txt")
	m := f.measure(t, t0.Add(30*time.Second))
	if m.Canary.Resets != 2 || m.Canary.Acquires.V != 32 {
		t.Errorf("resets %d acquires %v, want 2 restarted pods counted from zero (2 × 16)", m.Canary.Resets, m.Canary.Acquires.V)
	}
}

func TestScrapeSourceNewPodIsAGapUntilItHasAWindow(t *testing.T) {
	f := newScrapeFixture(t)
	f.measure(t, t0)

	newcomer := newFakePod(t, "demo-canary-c", "metrics-2.txt")
	f.query.Canary = append(f.query.Canary, newcomer.pod(t))
	f.serveAll(t, "metrics-2.txt")
	m := f.measure(t, t0.Add(30*time.Second))
	if m.Canary.Pods != 2 || len(m.Canary.Gaps) != 1 || !strings.Contains(m.Canary.Gaps[0], "demo-canary-c: no full interval") {
		t.Errorf("pods %d gaps %v, want 2 measured and the new pod a gap", m.Canary.Pods, m.Canary.Gaps)
	}
}

func TestScrapeSourceForgetsPods(t *testing.T) {
	f := newScrapeFixture(t)
	f.measure(t, t0)

	onlyA := f.query
	onlyA.Canary = onlyA.Canary[:1]
	f.clock.Set(t0.Add(30 * time.Second))
	if _, err := f.src.Measure(context.Background(), onlyA); err != nil {
		t.Fatalf("Measure: %v", err)
	}
	// Pod b left the query, so its baseline from t0 is gone: coming back, it gets a
	// new one instead of a 35s window.
	f.query.Canary = f.query.Canary[1:]
	if m := f.measure(t, t0.Add(35*time.Second)); !m.Pending || m.RetryAfter != 30*time.Second {
		t.Errorf("pod b after being dropped = %+v, want a fresh baseline", m)
	}

	f.src.Forget("shop", "demo")
	if m := f.measure(t, t0.Add(90*time.Second)); !m.Pending || m.RetryAfter != 30*time.Second {
		t.Errorf("after Forget = %+v, want a fresh baseline", m)
	}
}

// A FromSince query keeps each pod's first sample of the step as its baseline, so
// that every later Measure returns the step's totals so far, and Deltas carry the
// counts the measures came from.
func TestScrapeSourceFromSinceReturnsTheStepTotals(t *testing.T) {
	f := newScrapeFixture(t)
	f.query.FromSince = true
	f.query.Interval = time.Second
	if first := f.measure(t, t0); !first.Pending {
		t.Fatalf("first measure = %+v, want Pending (a baseline)", first)
	}
	f.serveAll(t, "metrics-2.txt")
	one := f.measure(t, t0.Add(time.Second))
	f.serveAll(t, "metrics-3.txt")
	two := f.measure(t, t0.Add(2*time.Second))
	if one.Pending || two.Pending {
		t.Fatal("a measure after the baseline is pending")
	}
	if two.Canary.Window != 2*time.Second {
		t.Errorf("second window %s, want 2s: from the step's baseline, not from the previous sample", two.Canary.Window)
	}
	if two.Canary.Acquires.V <= one.Canary.Acquires.V {
		t.Errorf("acquires %v then %v: the totals did not grow", one.Canary.Acquires.V, two.Canary.Acquires.V)
	}
	var total float64
	for _, v := range two.CanaryDelta.Acquires {
		total += v
	}
	if total != two.Canary.Acquires.V || two.StableDelta == nil || two.StableDelta.Pods != 1 {
		t.Errorf("canary delta acquires %v, want %v; stable delta %+v", total, two.Canary.Acquires.V, two.StableDelta)
	}
	// A window query of the same instance keeps baselines of its own.
	f.query.FromSince, f.query.Interval = false, 30*time.Second
	if w := f.measure(t, t0.Add(3*time.Second)); !w.Pending {
		t.Errorf("a window query after FromSince ones = %+v, want its own first baseline", w)
	}
}
