package loadgen

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Config describes one run.
type Config struct {
	// BaseURL of the server, e.g. http://127.0.0.1:8000 (paths are appended to it).
	BaseURL string
	// Concurrency is the number of workers, hence the most requests in flight at once.
	Concurrency int
	// Duration of the measured phase; new requests stop being issued when it ends and the
	// ones in flight are allowed to finish. Zero means "until Requests are done" (then
	// Requests must be set).
	Duration time.Duration
	// Requests caps the number of measured requests; zero means no cap.
	Requests int64
	// Mix of operations; every cycle of sum(weights) requests follows it exactly.
	Mix Mix
	// Rate, when positive, switches to an open loop: requests start at this many per
	// second whatever the latency (at most Concurrency in flight), and each latency is
	// measured from the moment its request was due, so queueing inside the generator is
	// counted instead of hidden. Zero means a closed loop: each worker sends its next
	// request as soon as the previous one is answered.
	Rate float64
	// Timeout of one request, body included.
	Timeout time.Duration
	// Progress is the interval of OnProgress calls; zero disables them.
	Progress time.Duration
	// OnProgress receives a snapshot every Progress interval during the measured phase.
	OnProgress func(Progress)
	// Sessions to read and answer from the start; when empty and the mix needs some,
	// Run creates SeedSessions of them first.
	Sessions []Session
	// SeedSessions is the number of parse-jd requests sent before the measured phase
	// when the mix reads sessions (analyze-answer, session), so that the first of those
	// have ids to use. They are not counted. Zero means DefaultSeedSessions.
	SeedSessions int
	// NumQuestions asked of parse-jd.
	NumQuestions int
	// Corpus of texts to send; the zero value means DefaultCorpus.
	Corpus Corpus
	// Client sends the requests; nil means a client tuned for Concurrency keep-alive
	// connections.
	Client *http.Client
	// Seed makes the random choices (which session, which question) reproducible.
	Seed uint64
}

// Defaults used when a Config field is zero.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultSeedSessions = 16
	DefaultNumQuestions = 10
)

// withDefaults fills the zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.BaseURL == "" {
		return c, errors.New("base URL is required")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fmt.Errorf("base URL %q must be an absolute http(s) URL", c.BaseURL)
	}
	if c.Concurrency < 1 {
		return c, fmt.Errorf("concurrency must be at least 1, got %d", c.Concurrency)
	}
	if c.Duration < 0 || c.Requests < 0 || c.Rate < 0 || c.Timeout < 0 || c.Progress < 0 || c.SeedSessions < 0 || c.NumQuestions < 0 {
		return c, errors.New("duration, requests, rate, timeout, progress, seed sessions and question count must not be negative")
	}
	if c.Duration == 0 && c.Requests == 0 {
		return c, errors.New("set a duration, a request count, or both")
	}
	if err := c.Mix.validate(); err != nil {
		return c, err
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.SeedSessions == 0 {
		c.SeedSessions = DefaultSeedSessions
	}
	if c.NumQuestions == 0 {
		c.NumQuestions = DefaultNumQuestions
	}
	if len(c.Corpus.JobDescriptions) == 0 || len(c.Corpus.Answers) == 0 {
		def, err := DefaultCorpus()
		if err != nil {
			return c, err
		}
		if len(c.Corpus.JobDescriptions) == 0 {
			c.Corpus.JobDescriptions = def.JobDescriptions
		}
		if len(c.Corpus.Answers) == 0 {
			c.Corpus.Answers = def.Answers
		}
	}
	if c.Client == nil {
		c.Client = newClient(c.Concurrency, c.Timeout)
	}
	return c, nil
}

// newClient keeps one idle connection per worker, so that a steady run reuses its
// connections instead of measuring TCP handshakes.
func newClient(concurrency int, timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = concurrency
	t.MaxIdleConnsPerHost = concurrency
	t.DisableCompression = true
	// Straight to the server: a proxy from the environment would measure the proxy.
	t.Proxy = nil
	t.ResponseHeaderTimeout = timeout
	return &http.Client{Transport: t}
}
