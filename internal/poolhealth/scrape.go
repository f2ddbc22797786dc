package poolhealth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Defaults of ScrapeSource.
const (
	DefaultScrapeTimeout = 3 * time.Second
	// DefaultMaxConcurrentScrapes bounds how many pods one ScrapeSource scrapes at
	// once, over all the instances being analysed: the fan-out of many concurrent
	// rollouts is a queue, not a burst of connections and parse buffers.
	DefaultMaxConcurrentScrapes = 32
	// maxIdleScrapeConns bounds the keep-alive connections to pods the client keeps;
	// past it the least recently used is closed and its pod's next scrape connects
	// again (a handshake on loopback or the pod network, once an interval).
	maxIdleScrapeConns = 256
	// idleScrapeConnTimeout closes a pod's connection unused for longer than the
	// default analysis interval (30s) with margin, so consecutive analyses reuse it
	// while pods that went away do not hold connections.
	idleScrapeConnTimeout = 90 * time.Second
	// maxMetricsBody bounds what is read from one pod: the server's /metrics is a few
	// tens of kilobytes, and a pod must not be able to exhaust the operator's memory.
	maxMetricsBody = 8 << 20
	// acceptText asks client_golang's handler for the text format TextParser reads.
	acceptText = "text/plain;version=0.0.4;q=1,*/*;q=0.1"
	// windowSlack is how much shorter than the interval a window may be and still
	// count as full: the rollout schedules analyses from times stored in status, which
	// keeps whole seconds, while baselines are stamped with the exact time.
	windowSlack = time.Second
)

// ScrapeSource measures pods by reading GET http://podIP:port/metrics directly, with
// no Prometheus in between. Counters only make sense as differences, so it keeps each
// pod's latest sample in memory (per instance, keyed by pod UID) as the baseline of its
// next window:
//
//   - the first Measure for a pod, or one whose baseline is older than q.Since, only
//     records a baseline; when no canary pod has a usable baseline the measurement is
//     Pending, with RetryAfter = q.Interval;
//   - a pod whose baseline is younger than q.Interval (less a second of slack for
//     times stored to the second) keeps it: the window is not complete yet, and an
//     early call never shortens a window, and when that holds for every canary pod
//     the call answers Pending without scraping any pod;
//   - a pod that cannot be scraped keeps its baseline and is reported as a gap, which
//     makes the verdict Inconclusive;
//   - pods no longer in the query are forgotten;
//   - with q.FromSince, a pod's baseline is its first sample after q.Since and is
//     kept for the whole step, so that every Measure returns the step's totals so far
//     (windows of at least q.Interval less the slack, from the baseline).
//
// An operator restart loses the baselines: the first analysis after it costs one
// interval more, and nothing else changes.
type ScrapeSource struct {
	client  *http.Client
	timeout time.Duration
	now     func() time.Time
	// slots holds one token per scrape in flight (DefaultMaxConcurrentScrapes).
	slots chan struct{}

	mu        sync.Mutex
	baselines map[instanceKey]map[types.UID]Sample
}

// instanceKey names an instance's baselines; fromSince keeps those of FromSince
// queries (the step's first sample of each pod, never moved) apart from the moving
// baselines of window queries.
type instanceKey struct {
	namespace, name string
	fromSince       bool
}

// ScrapeOption configures a ScrapeSource.
type ScrapeOption func(*ScrapeSource)

// WithHTTPClient sets the HTTP client (default: a client with no proxy).
func WithHTTPClient(c *http.Client) ScrapeOption { return func(s *ScrapeSource) { s.client = c } }

// WithScrapeTimeout bounds each pod's scrape (default DefaultScrapeTimeout).
func WithScrapeTimeout(d time.Duration) ScrapeOption {
	return func(s *ScrapeSource) { s.timeout = d }
}

// WithMaxConcurrentScrapes bounds the scrapes in flight at once over every instance
// (default DefaultMaxConcurrentScrapes); n < 1 means 1.
func WithMaxConcurrentScrapes(n int) ScrapeOption {
	return func(s *ScrapeSource) { s.slots = make(chan struct{}, max(n, 1)) }
}

// WithClock sets the clock that stamps samples (default time.Now).
func WithClock(now func() time.Time) ScrapeOption { return func(s *ScrapeSource) { s.now = now } }

// NewScrapeSource returns a ScrapeSource with no baselines.
func NewScrapeSource(opts ...ScrapeOption) *ScrapeSource {
	s := &ScrapeSource{
		client:    &http.Client{Transport: newScrapeTransport()},
		timeout:   DefaultScrapeTimeout,
		now:       time.Now,
		slots:     make(chan struct{}, DefaultMaxConcurrentScrapes),
		baselines: map[instanceKey]map[types.UID]Sample{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// newScrapeTransport is the one transport of a ScrapeSource, shared by every instance:
// one idle connection per pod (a pod is scraped once at a time), a bound on all of
// them, and none kept past idleScrapeConnTimeout.
func newScrapeTransport() *http.Transport {
	return &http.Transport{
		// Pod IPs are reached directly; an environment proxy would only be in the way.
		Proxy:               nil,
		MaxIdleConnsPerHost: 1,
		MaxIdleConns:        maxIdleScrapeConns,
		IdleConnTimeout:     idleScrapeConnTimeout,
	}
}

// Forget drops the baselines of an instance, for when it is deleted or no longer
// runs a canary: a later rollout starts from fresh baselines anyway (older ones
// precede its Since).
func (s *ScrapeSource) Forget(namespace, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.baselines, instanceKey{namespace, name, false})
	delete(s.baselines, instanceKey{namespace, name, true})
}

// scrapeResult is one pod's scrape.
type scrapeResult struct {
	sample Sample
	err    error
}

// Measure implements Source.
func (s *ScrapeSource) Measure(ctx context.Context, q Query) (Measurement, error) {
	if len(q.Canary) == 0 {
		return Measurement{}, errors.New("no ready canary pods to scrape")
	}
	if q.Interval <= 0 {
		return Measurement{}, fmt.Errorf("analysis interval %s is not positive", q.Interval)
	}
	if wait, ok := s.windowsOpen(q); ok {
		return Measurement{Pending: true, RetryAfter: wait}, nil
	}
	canary := s.scrapeAll(ctx, q.Canary)
	stable := s.scrapeAll(ctx, q.Stable)

	s.mu.Lock()
	defer s.mu.Unlock()
	key := instanceKey{q.Namespace, q.Instance, q.FromSince}
	prev := s.baselines[key]
	next := make(map[types.UID]Sample, len(q.Canary)+len(q.Stable))

	canaryTrack := s.windows(q, q.Canary, canary, prev, next)
	stableTrack := s.windows(q, q.Stable, stable, prev, next)
	s.baselines[key] = next

	if len(canaryTrack.deltas) == 0 {
		if len(canaryTrack.gaps) == len(q.Canary) {
			// Not one canary pod answered: that is a failed measurement, not a
			// baseline still to be taken.
			return Measurement{}, fmt.Errorf("no canary pod could be scraped: %s", canaryTrack.gaps[0])
		}
		return Measurement{Pending: true, RetryAfter: canaryTrack.wait}, nil
	}
	m := Measurement{}
	m.Canary, m.CanaryDelta = canaryTrack.measures()
	if len(stableTrack.deltas) > 0 {
		sm, sd := stableTrack.measures()
		m.Stable, m.StableDelta = &sm, &sd
	}
	return m, nil
}

// windowsOpen reports whether every canary pod of q already has a baseline of this step
// that is younger than a window, and how long until the last of them is old enough. A
// scrape then could only answer Pending, so none is made: a pass that comes early (the
// rollout asks for the step's first analysis at every pass until one is recorded) costs
// no request to the pods. A pod that stopped answering is then found at the due time.
func (s *ScrapeSource) windowsOpen(q Query) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.baselines[instanceKey{q.Namespace, q.Instance, q.FromSince}]
	now := s.now()
	var wait time.Duration
	for _, pod := range q.Canary {
		base, ok := prev[pod.UID]
		if !ok || base.Time.Before(q.Since) {
			return 0, false
		}
		age := now.Sub(base.Time)
		if age >= q.Interval-windowSlack {
			return 0, false
		}
		wait = max(wait, q.Interval-age)
	}
	return wait, true
}

// track collects one track's pod windows.
type track struct {
	deltas []Delta
	gaps   []string
	// wait is how long until the youngest baseline covers a full interval.
	wait time.Duration
}

func (t track) measures() (Measures, Delta) {
	d := Aggregate(t.deltas...)
	d.Gaps = append(d.Gaps, t.gaps...)
	return d.Measures(), d
}

// windows turns each pod's scrape into a delta against its baseline where a full
// window is available, and decides each pod's baseline for the next call.
func (s *ScrapeSource) windows(q Query, pods []Pod, scraped []scrapeResult, prev, next map[types.UID]Sample) track {
	var t track
	var waiting []string
	for i, pod := range pods {
		base, hasBase := prev[pod.UID]
		if hasBase && base.Time.Before(q.Since) {
			hasBase = false // measured under another step's weight
		}
		res := scraped[i]
		switch {
		case res.err != nil:
			t.gaps = append(t.gaps, fmt.Sprintf("pod %s: %v", pod.Name, res.err))
			if hasBase {
				next[pod.UID] = base
			}
		case !hasBase:
			next[pod.UID] = res.sample
			waiting = append(waiting, pod.Name)
			t.wait = max(t.wait, q.Interval)
		case res.sample.Time.Sub(base.Time) < q.Interval-windowSlack:
			next[pod.UID] = base
			waiting = append(waiting, pod.Name)
			t.wait = max(t.wait, q.Interval-res.sample.Time.Sub(base.Time))
		default:
			next[pod.UID] = res.sample
			if q.FromSince {
				next[pod.UID] = base // the step's totals are counted from it
			}
			d, err := Diff(base, res.sample)
			if err != nil {
				t.gaps = append(t.gaps, fmt.Sprintf("pod %s: %v", pod.Name, err))
				continue
			}
			t.deltas = append(t.deltas, d)
		}
	}
	// Once some pod of the track has a full window, the pods still waiting for theirs
	// (new pods, replaced pods) are holes in this window.
	if len(t.deltas) > 0 {
		for _, name := range waiting {
			t.gaps = append(t.gaps, fmt.Sprintf("pod %s: no full interval measured yet", name))
		}
	}
	return t
}

// scrapeAll scrapes pods concurrently, at most cap(s.slots) at once over every caller;
// results are in the pods' order. A pod still waiting for a slot when ctx ends is
// reported as not scraped.
func (s *ScrapeSource) scrapeAll(ctx context.Context, pods []Pod) []scrapeResult {
	out := make([]scrapeResult, len(pods))
	var wg sync.WaitGroup
	for i, pod := range pods {
		wg.Go(func() {
			select {
			case s.slots <- struct{}{}:
			case <-ctx.Done():
				out[i] = scrapeResult{err: fmt.Errorf("scrape: %w", ctx.Err())}
				return
			}
			defer func() { <-s.slots }()
			sample, err := s.scrape(ctx, pod)
			out[i] = scrapeResult{sample: sample, err: err}
		})
	}
	wg.Wait()
	return out
}

func (s *ScrapeSource) scrape(ctx context.Context, pod Pod) (Sample, error) {
	if pod.IP == "" {
		return Sample{}, errors.New("no pod IP")
	}
	port := pod.Port
	if port == 0 {
		port = DefaultPort
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	url := "http://" + net.JoinHostPort(pod.IP, strconv.Itoa(int(port))) + "/metrics"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Sample{}, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", acceptText)
	resp, err := s.client.Do(req)
	if err != nil {
		return Sample{}, fmt.Errorf("scrape: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Sample{}, fmt.Errorf("scrape GET %s: HTTP %d", url, resp.StatusCode)
	}
	// The sample is stamped when the response arrived: that is when the server
	// rendered its counters, up to the network delay.
	at := s.now()
	sample, err := ParseText(io.LimitReader(resp.Body, maxMetricsBody), at)
	if err != nil {
		return Sample{}, fmt.Errorf("GET %s: %w", url, err)
	}
	return sample, nil
}
