// Package loadgen drives the interview API with a mix of realistic requests and measures
// what it gets back: throughput, latency percentiles, and every error by kind. The
// hack/loadgen command is a thin CLI over it; benchmarks and end-to-end tests call Run
// in-process.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Progress is a snapshot of a run in progress.
type Progress struct {
	Elapsed time.Duration
	// Requests and Errors completed so far.
	Requests, Errors int64
	// InFlight requests right now.
	InFlight int64
	// RPS over the interval since the previous snapshot.
	RPS float64
}

func (p Progress) String() string {
	return fmt.Sprintf("elapsed %5.1fs  requests %8d  rps %8.1f  errors %6d  in-flight %5d",
		p.Elapsed.Seconds(), p.Requests, p.RPS, p.Errors, p.InFlight)
}

// maxRate keeps the open-loop interval above a nanosecond.
const maxRate = 1e6

// Run sends requests to cfg.BaseURL as cfg describes and returns their summary. When the
// mix reads sessions and cfg.Sessions is empty, it first creates cfg.SeedSessions of them
// with parse-jd (not counted). Cancelling ctx stops the run at once: requests cut short
// are not counted, and Run returns the summary so far with ctx's error.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Summary{}, fmt.Errorf("loadgen config: %w", err)
	}
	if cfg.Rate > maxRate {
		return Summary{}, fmt.Errorf("loadgen config: rate %g is above the supported %g per second", cfg.Rate, float64(maxRate))
	}
	req := newRequester(cfg)
	if cfg.Mix.needsSessions() {
		if len(cfg.Sessions) == 0 {
			seeded, err := seed(ctx, req, cfg.SeedSessions, cfg.Concurrency)
			if err != nil {
				return Summary{}, err
			}
			cfg.Sessions = seeded
		}
		if err := checkSessionsFitMix(cfg.Mix, cfg.Sessions); err != nil {
			return Summary{}, err
		}
	}
	return newRun(cfg, req).execute(ctx)
}

// Seed creates n sessions with parse-jd requests and returns them, for callers that run
// several passes over the same sessions (or query the database for them).
func Seed(ctx context.Context, cfg Config, n int) ([]Session, error) {
	if cfg.Mix == nil {
		cfg.Mix = Mix{{Op: OpParseJD, Weight: 1}}
	}
	if cfg.Duration == 0 && cfg.Requests == 0 {
		cfg.Requests = int64(n)
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("loadgen config: %w", err)
	}
	return seed(ctx, newRequester(cfg), n, cfg.Concurrency)
}

func newRequester(cfg Config) *requester {
	return &requester{
		base:     trimBase(cfg.BaseURL),
		client:   cfg.Client,
		timeout:  cfg.Timeout,
		corpus:   cfg.Corpus,
		numQs:    cfg.NumQuestions,
		sessions: newSessionPool(cfg.Sessions),
	}
}

// seedParallelism bounds the parse-jd requests a seed sends at once: enough to be quick,
// few enough not to trip a small pool before the run starts.
const seedParallelism = 4

func seed(ctx context.Context, req *requester, n, concurrency int) ([]Session, error) {
	if n < 1 {
		return nil, fmt.Errorf("seeding sessions: need at least one, asked for %d", n)
	}
	// A private pool, so that the seeded sessions can be returned in order.
	collect := &requester{base: req.base, client: req.client, timeout: req.timeout, corpus: req.corpus, numQs: req.numQs, sessions: newSessionPool(nil)}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     atomic.Int64
	)
	for w := range min(n, concurrency, seedParallelism) {
		rng := rand.New(rand.NewPCG(0, uint64(w)))
		wg.Go(func() {
			for {
				seq := next.Add(1) - 1
				if seq >= int64(n) || ctx.Err() != nil {
					return
				}
				o := collect.do(ctx, OpParseJD, seq, rng, time.Now())
				if !o.ok() {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("seeding sessions: parse-jd failed: %s", describe(o))
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("seeding sessions: %w", err)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	sessions := collect.sessions.all.items
	for _, s := range sessions {
		req.sessions.add(s)
	}
	return sessions, nil
}

// describe renders a failed outcome for an error message.
func describe(o outcome) string {
	switch {
	case o.transport != "":
		return fmt.Sprintf("%s: %s", o.transport, o.detail)
	case o.invalid != "":
		return o.invalid
	case o.apiCode != "":
		return fmt.Sprintf("HTTP %d %s", o.status, o.apiCode)
	default:
		return fmt.Sprintf("HTTP %d", o.status)
	}
}

func checkSessionsFitMix(m Mix, sessions []Session) error {
	if len(sessions) == 0 {
		return errors.New("the mix reads sessions but there are none")
	}
	for _, e := range m {
		if e.Op != OpAnalyzeAnswer {
			continue
		}
		for _, s := range sessions {
			if len(s.QuestionIDs) > 0 {
				return nil
			}
		}
		return errors.New("the mix answers questions but no session has any (parse-jd returned no questions)")
	}
	return nil
}

// run is one measured phase.
type run struct {
	cfg      Config
	req      *requester
	schedule []Op

	seq      atomic.Int64 // next request number
	done     atomic.Int64 // completed requests
	failed   atomic.Int64 // completed requests that failed
	inFlight atomic.Int64
}

func newRun(cfg Config, req *requester) *run {
	return &run{cfg: cfg, req: req, schedule: cfg.Mix.schedule()}
}

// job is one request an open loop hands to a worker.
type job struct {
	seq int64
	due time.Time
}

func (x *run) execute(ctx context.Context) (Summary, error) {
	// stop ends the issuing of new requests; requests in flight keep ctx, so that they
	// finish when the duration is over and are only cut short by a cancelled ctx.
	stop, cancelStop := context.WithCancel(ctx)
	defer cancelStop()
	if x.cfg.Duration > 0 {
		stop, cancelStop = context.WithTimeout(stop, x.cfg.Duration)
		defer cancelStop()
	}

	start := time.Now()
	var jobs chan job
	var unsent atomic.Int64
	var dispatcher sync.WaitGroup
	if x.cfg.Rate > 0 {
		jobs = make(chan job)
		dispatcher.Go(func() { unsent.Store(x.dispatch(stop, start, jobs)) })
	}

	recorders := make([]*recorder, x.cfg.Concurrency)
	var workers sync.WaitGroup
	for i := range recorders {
		rec := newRecorder()
		recorders[i] = rec
		rng := rand.New(rand.NewPCG(x.cfg.Seed, uint64(i)))
		workers.Go(func() {
			if jobs != nil {
				for j := range jobs {
					x.one(ctx, rec, rng, j.seq, j.due)
				}
				return
			}
			for stop.Err() == nil {
				seq, ok := x.reserve()
				if !ok {
					return
				}
				x.one(ctx, rec, rng, seq, time.Now())
			}
		})
	}

	progressDone := make(chan struct{})
	var progress sync.WaitGroup
	if x.cfg.Progress > 0 && x.cfg.OnProgress != nil {
		progress.Go(func() { x.reportProgress(start, progressDone) })
	}

	workers.Wait()
	elapsed := time.Since(start)
	dispatcher.Wait()
	close(progressDone)
	progress.Wait()

	total := newRecorder()
	for _, r := range recorders {
		total.merge(r)
	}
	s := total.summary(x.cfg, elapsed)
	s.Unsent = unsent.Load()
	if err := ctx.Err(); err != nil {
		return s, fmt.Errorf("run cancelled after %s: %w", elapsed.Round(time.Millisecond), err)
	}
	return s, nil
}

// reserve takes the next request number, false once Requests are all taken.
func (x *run) reserve() (int64, bool) {
	seq := x.seq.Add(1) - 1
	if x.cfg.Requests > 0 && seq >= x.cfg.Requests {
		return 0, false
	}
	return seq, true
}

func (x *run) one(ctx context.Context, rec *recorder, rng *rand.Rand, seq int64, due time.Time) {
	x.inFlight.Add(1)
	o := x.req.do(ctx, x.schedule[seq%int64(len(x.schedule))], seq, rng, due)
	x.inFlight.Add(-1)
	if o.transport == kindCanceled && ctx.Err() != nil {
		return
	}
	rec.add(o)
	x.done.Add(1)
	if !o.ok() {
		x.failed.Add(1)
	}
}

// dispatch starts requests at the configured rate until stop, and returns how many were
// due by then but could not start because every worker was busy.
func (x *run) dispatch(stop context.Context, start time.Time, jobs chan<- job) int64 {
	defer close(jobs)
	interval := time.Duration(float64(time.Second) / x.cfg.Rate)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var sent int64
	for {
		due := start.Add(time.Duration(sent) * interval)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-stop.Done():
				return x.unsent(start, interval, sent)
			}
		}
		seq, ok := x.reserve()
		if !ok {
			return 0
		}
		select {
		case jobs <- job{seq: seq, due: due}:
			sent++
		case <-stop.Done():
			return x.unsent(start, interval, sent)
		}
	}
}

func (x *run) unsent(start time.Time, interval time.Duration, sent int64) int64 {
	window := time.Since(start)
	if x.cfg.Duration > 0 {
		window = min(window, x.cfg.Duration)
	}
	// Requests due strictly before the end: ceil(window / interval).
	due := int64((window + interval - 1) / interval)
	if x.cfg.Requests > 0 {
		due = min(due, x.cfg.Requests)
	}
	return max(0, due-sent)
}

func (x *run) reportProgress(start time.Time, done <-chan struct{}) {
	ticker := time.NewTicker(x.cfg.Progress)
	defer ticker.Stop()
	lastN, lastT := int64(0), start
	for {
		select {
		case <-done:
			return
		case now := <-ticker.C:
			n := x.done.Load()
			x.cfg.OnProgress(Progress{
				Elapsed:  now.Sub(start),
				Requests: n,
				Errors:   x.failed.Load(),
				InFlight: x.inFlight.Load(),
				RPS:      perSecond(n-lastN, now.Sub(lastT)),
			})
			lastN, lastT = n, now
		}
	}
}
