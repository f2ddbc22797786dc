package framework

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/interviewapi/operator/hack/loadgen/loadgen"
)

// LoadOptions describe steady traffic sent to an instance's Service.
type LoadOptions struct {
	// BaseURL is the Service's proxy address, http://127.0.0.1:PORT.
	BaseURL string
	// Rate is the number of requests started per second (an open loop: a slow server
	// does not slow the load down).
	Rate float64
	// Concurrency caps the requests in flight.
	Concurrency int
	// Mix of operations; nil means DefaultMix.
	Mix loadgen.Mix
	// Timeout of one request; zero means 10s.
	Timeout time.Duration
	// Progress, when set, is called every second with the load's counts so far.
	Progress func(Counts)
}

// DefaultMix reads and writes: sessions are created (parse-jd), answered
// (analyze-answer, the write whose loss the outage test looks for) and read back.
var DefaultMix = loadgen.Mix{
	{Op: loadgen.OpParseJD, Weight: 1},
	{Op: loadgen.OpAnalyzeAnswer, Weight: 3},
	{Op: loadgen.OpSession, Weight: 1},
	{Op: loadgen.OpServices, Weight: 1},
}

// Load is traffic running in the background; every answer is counted as it arrives,
// so that the errors of any time window can be read while it runs.
type Load struct {
	base   string
	rec    *recorder
	cancel context.CancelFunc
	done   chan struct{}

	summary loadgen.Summary
	err     error
}

// StartLoad starts the traffic and returns at once; the load runs until Stop.
func StartLoad(ctx context.Context, opts LoadOptions) (*Load, error) {
	if opts.Mix == nil {
		opts.Mix = DefaultMix
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	rec := newRecorder()
	cfg := loadgen.Config{
		BaseURL:     opts.BaseURL,
		Concurrency: opts.Concurrency,
		// Stop ends the run; the duration is only a bound.
		Duration: 24 * time.Hour,
		Mix:      opts.Mix,
		Rate:     opts.Rate,
		Timeout:  opts.Timeout,
		Client:   &http.Client{Transport: rec.transport(opts.Timeout)},
	}
	if opts.Progress != nil {
		cfg.Progress = time.Second
		cfg.OnProgress = func(loadgen.Progress) { opts.Progress(rec.counts()) }
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l := &Load{base: opts.BaseURL, rec: rec, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		l.summary, l.err = loadgen.Run(runCtx, cfg)
	}()
	// Run seeds sessions first (parse-jd); a load that cannot even do that says why now.
	deadline := time.After(30 * time.Second)
	for rec.counts().Requests == 0 {
		select {
		case <-l.done:
			return nil, fmt.Errorf("load stopped at once: %w", l.err)
		case <-deadline:
			cancel()
			<-l.done
			return nil, errors.New("load: no request answered within 30s of the start")
		case <-time.After(50 * time.Millisecond):
		}
	}
	return l, nil
}

// BaseURL is the address the load is sent to.
func (l *Load) BaseURL() string { return l.base }

// Counts are the answers received so far.
func (l *Load) Counts() Counts { return l.rec.counts() }

// FailuresSince lists the failures seen at or after t (of the first maxSamples).
func (l *Load) FailuresSince(t time.Time) []Failure { return l.rec.failuresSince(t) }

// Writes lists the answer analyses the server acknowledged with a 2xx: each must be
// stored.
func (l *Load) Writes() []string { return l.rec.writes() }

// UnreadWrites counts 2xx analyze-answer responses whose analysis id could not be read.
func (l *Load) UnreadWrites() int64 { return l.rec.unreadWrites() }

// Stop ends the load (requests in flight are cut short and not counted) and returns
// loadgen's summary of the whole run.
func (l *Load) Stop() loadgen.Summary {
	l.cancel()
	<-l.done
	return l.summary
}

// Err is why the load stopped by itself, if it did (nil while it runs).
func (l *Load) Err() error {
	select {
	case <-l.done:
		if errors.Is(l.err, context.Canceled) {
			return nil
		}
		return l.err
	default:
		return nil
	}
}
