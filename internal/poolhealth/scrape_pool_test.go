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
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// countingPods are loopback servers of one /metrics fixture that count the
// connections opened to them and the scrapes in flight at once over all of them.
type countingPods struct {
	body    []byte
	release chan struct{} // closed: answer; nil: answer at once
	conns   atomic.Int64

	mu             sync.Mutex
	inFlight, peak int
	arrived        chan struct{}
	// started numbers the pods, so that every pod has a name and UID of its own.
	started int
}

func newCountingPods(t *testing.T, fixture string, hold bool) *countingPods {
	t.Helper()
	b, err := os.ReadFile("testdata/" + fixture)
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	c := &countingPods{body: b, arrived: make(chan struct{}, 1024)}
	if hold {
		c.release = make(chan struct{})
	}
	return c
}

func (c *countingPods) start(t *testing.T, n int) []Pod {
	t.Helper()
	var pods []Pod
	for i := range n {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(c.serve))
		srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				c.conns.Add(1)
			}
		}
		srv.Start()
		t.Cleanup(srv.Close)
		host, port, err := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			t.Fatal(err)
		}
		name := "pod-" + strconv.Itoa(c.started+i)
		pods = append(pods, Pod{UID: types.UID("uid-" + name), Name: name, IP: host, Port: int32(p)})
	}
	c.started += n
	return pods
}

func (c *countingPods) serve(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	c.inFlight++
	c.peak = max(c.peak, c.inFlight)
	c.mu.Unlock()
	c.arrived <- struct{}{}
	if c.release != nil {
		select {
		case <-c.release:
		case <-r.Context().Done():
		}
	}
	c.mu.Lock()
	c.inFlight--
	c.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write(c.body)
}

func (c *countingPods) peakInFlight() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peak
}

// TestScrapeSourceBoundsConcurrentScrapes: with a limit of 2, the third scrape does not
// start while two are held by their pods, and every pod is scraped once they answer.
func TestScrapeSourceBoundsConcurrentScrapes(t *testing.T) {
	pods := newCountingPods(t, "metrics-1.txt", true)
	canary := pods.start(t, 6)
	src := NewScrapeSource(WithMaxConcurrentScrapes(2), WithScrapeTimeout(10*time.Second))
	q := Query{Namespace: "shop", Instance: "demo", Canary: canary, Interval: 30 * time.Second, Since: t0}

	done := make(chan error, 1)
	go func() {
		_, err := src.Measure(context.Background(), q)
		done <- err
	}()
	for range 2 {
		<-pods.arrived
	}
	// A source without the bound starts all six at once; give a seventh chance to
	// show up before releasing the two.
	select {
	case <-pods.arrived:
		t.Fatalf("a third scrape started while two were in flight (peak %d)", pods.peakInFlight())
	case <-time.After(200 * time.Millisecond):
	}
	close(pods.release)
	if err := <-done; err != nil {
		t.Fatalf("Measure: %v", err)
	}
	if got := pods.peakInFlight(); got != 2 {
		t.Errorf("peak scrapes in flight = %d, want 2", got)
	}
	if got := len(pods.arrived); got != 4 {
		t.Errorf("after the release %d more scrapes arrived, want the other 4", got)
	}
}

// TestScrapeSourceReusesConnections: the second analysis of the same pods goes over the
// connections the first one opened.
func TestScrapeSourceReusesConnections(t *testing.T) {
	pods := newCountingPods(t, "metrics-1.txt", false)
	canary := pods.start(t, 3)
	stable := pods.start(t, 2)
	clk := &fakeClock{now: t0}
	src := NewScrapeSource(WithClock(clk.Now))
	q := Query{Namespace: "shop", Instance: "demo", Canary: canary, Stable: stable, Interval: 30 * time.Second, Since: t0}
	for i := range 3 {
		clk.Set(t0.Add(time.Duration(i) * 30 * time.Second))
		if _, err := src.Measure(context.Background(), q); err != nil {
			t.Fatalf("Measure %d: %v", i, err)
		}
	}
	if got := pods.conns.Load(); got != 5 {
		t.Errorf("3 analyses of 5 pods opened %d connections, want 5 (one per pod, kept alive)", got)
	}
}

// TestScrapeSourceWaitingScrapeEndsWithTheContext: a pod still waiting for a slot when
// the reconcile's context ends is a gap, and the measurement does not hang.
func TestScrapeSourceWaitingScrapeEndsWithTheContext(t *testing.T) {
	pods := newCountingPods(t, "metrics-1.txt", true)
	canary := pods.start(t, 2)
	t.Cleanup(func() { close(pods.release) })
	src := NewScrapeSource(WithMaxConcurrentScrapes(1), WithScrapeTimeout(time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	q := Query{Namespace: "shop", Instance: "demo", Canary: canary, Interval: 30 * time.Second, Since: t0}
	done := make(chan error, 1)
	go func() {
		_, err := src.Measure(ctx, q)
		done <- err
	}()
	<-pods.arrived
	cancel()
	err := <-done
	if err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("Measure after cancel = %v, want no canary pod scraped because the context ended", err)
	}
}

// TestScrapeSourceEarlyCallDoesNotScrape: while every canary pod's window is still
// filling, a measurement answers Pending without a request to any pod.
func TestScrapeSourceEarlyCallDoesNotScrape(t *testing.T) {
	pods := newCountingPods(t, "metrics-1.txt", false)
	canary := pods.start(t, 3)
	stable := pods.start(t, 2)
	clk := &fakeClock{now: t0}
	src := NewScrapeSource(WithClock(clk.Now))
	q := Query{Namespace: "shop", Instance: "demo", Canary: canary, Stable: stable, Interval: 30 * time.Second, Since: t0}
	measure := func(at time.Duration) Measurement {
		t.Helper()
		clk.Set(t0.Add(at))
		m, err := src.Measure(context.Background(), q)
		if err != nil {
			t.Fatalf("Measure at %s: %v", at, err)
		}
		return m
	}
	if m := measure(0); !m.Pending || len(pods.arrived) != 5 {
		t.Fatalf("first call: %+v after %d scrapes, want a baseline of all 5 pods", m, len(pods.arrived))
	}
	if m := measure(10 * time.Second); !m.Pending || m.RetryAfter != 20*time.Second || len(pods.arrived) != 5 {
		t.Errorf("call 10s in: %+v after %d scrapes, want Pending for 20s more and no scrape", m, len(pods.arrived))
	}
	// A new canary pod has no baseline: the call scrapes to take one.
	q.Canary = append(q.Canary, pods.start(t, 1)...)
	if m := measure(12 * time.Second); !m.Pending || len(pods.arrived) != 11 {
		t.Errorf("call with a new pod: %+v after %d scrapes, want all 6 pods scraped", m, len(pods.arrived))
	}
	if m := measure(30 * time.Second); m.Pending || m.Canary.Pods != 3 || len(pods.arrived) != 17 {
		t.Errorf("call at the due time: %+v after %d scrapes, want the 3 full windows measured", m, len(pods.arrived))
	}
}
