// Package poolstats measures the database pool of either engine and exports what it
// measured: the Prometheus metrics named in internal/metricnames and the
// /monitoring/database snapshot with its health verdict. Acquire waits are observed
// around real acquires (pgxpool's acquire tracer in async mode, the engine's wrapper
// around database/sql's checkout in sync mode), never estimated from pool statistics.
package poolstats

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/interviewapi/operator/internal/metricnames"
)

// Result is the outcome of one acquire, the `result` label of
// interviewapi_db_pool_acquires_total.
type Result int

// Acquire results.
const (
	Success  Result = iota // a connection was handed out
	Timeout                // the pool timeout expired first
	Canceled               // the caller gave up (client gone, shutdown)
	Failed                 // no connection could be made (database down)
)

var resultLabels = [...]string{
	Success:  metricnames.ResultSuccess,
	Timeout:  metricnames.ResultTimeout,
	Canceled: metricnames.ResultCanceled,
	Failed:   metricnames.ResultError,
}

func (r Result) String() string { return resultLabels[r] }

// Settings describe the pool being measured.
type Settings struct {
	Mode           string // "sync" or "async"
	PoolSize       int
	MaxOverflow    int
	AcquireTimeout time.Duration
}

// MaxConns is the pool's total cap.
func (s Settings) MaxConns() int { return s.PoolSize + s.MaxOverflow }

// PoolState is an engine's account of its pool at one moment.
type PoolState struct {
	Acquired     int // checked out by requests
	Idle         int // open and free
	Constructing int // being opened
	Closed       ClosedCounts
}

// ClosedCounts counts connections closed since start, by reason.
type ClosedCounts struct {
	Lifetime uint64 // recycled at the end of their (jittered) lifetime
	Idle     uint64 // overflow connections closed once the load no longer needed them
	Broken   uint64 // found dead or in a bad state and discarded
}

// StateFunc reads the pool's state; it must be cheap and safe for concurrent use.
type StateFunc func() PoolState

// windowSpan is how far back /monitoring/database looks.
const windowSpan = 60 * time.Second

// sampleInterval is how often the acquired-connections integral is advanced.
const sampleInterval = 250 * time.Millisecond

// Recorder receives the observations of one engine. Create it with New, hand it to the
// engine, and let the engine call SetState once its pool exists.
type Recorder struct {
	settings Settings
	now      func() time.Time
	state    atomic.Pointer[StateFunc]

	pending  atomic.Int64
	acquires [len(resultLabels)]atomic.Uint64
	waits    *window // acquire waits, marked by Result

	roundTrips  atomic.Uint64
	statements  atomic.Uint64
	queryErrors atomic.Uint64
	trips       *window // round-trip durations, mark 0 = failed

	integral struct {
		sync.Mutex
		seconds float64   // Σ acquired connections × seconds
		last    time.Time // when seconds was last advanced
	}

	waitHistogram prometheus.Histogram
	acquireTotal  *prometheus.CounterVec
}

// Option adjusts a Recorder.
type Option func(*Recorder)

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option { return func(r *Recorder) { r.now = now } }

// New returns a Recorder for a pool with the given settings.
func New(settings Settings, opts ...Option) *Recorder {
	r := &Recorder{settings: settings, now: time.Now}
	for _, o := range opts {
		o(r)
	}
	r.waits = newWindow(windowSpan, r.now)
	r.trips = newWindow(windowSpan, r.now)
	r.integral.last = r.now()
	r.waitHistogram = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: metricnames.PoolAcquireDuration,
		Help: "Time requests waited for a database connection (every acquire, whatever its result).",
		// Fine below 100 ms, where the rollout threshold on the p99 sits, and up to the
		// default pool timeout of 30 s.
		Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075,
			0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
	})
	r.acquireTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: metricnames.PoolAcquires,
		Help: "Connection acquires by result: success, timeout (pool timeout expired), canceled (caller gave up), error (no connection could be made).",
	}, []string{metricnames.LabelResult})
	for _, l := range resultLabels {
		r.acquireTotal.WithLabelValues(l) // every series exists from the start, at 0
	}
	return r
}

// Settings returns the settings the Recorder was created with.
func (r *Recorder) Settings() Settings { return r.settings }

// SetState tells the Recorder how to read the pool's state.
func (r *Recorder) SetState(f StateFunc) { r.state.Store(&f) }

func (r *Recorder) poolState() PoolState {
	if f := r.state.Load(); f != nil {
		return (*f)()
	}
	return PoolState{}
}

// AcquireStarted records that a request started waiting for a connection; pass its
// result to AcquireFinished.
func (r *Recorder) AcquireStarted() time.Time {
	r.pending.Add(1)
	return r.now()
}

// AcquireFinished records the end of an acquire that started at start.
func (r *Recorder) AcquireFinished(start time.Time, result Result) {
	wait := r.now().Sub(start)
	r.pending.Add(-1)
	r.acquires[result].Add(1)
	r.acquireTotal.WithLabelValues(result.String()).Inc()
	r.waitHistogram.Observe(wait.Seconds())
	r.waits.observe(wait, int(result))
}

// RoundTrip records one exchange with the server that ran statements statements (a
// pipelined batch runs several in one round trip).
func (r *Recorder) RoundTrip(d time.Duration, statements int, failed bool) {
	r.roundTrips.Add(1)
	r.statements.Add(uint64(statements))
	mark := -1
	if failed {
		r.queryErrors.Add(1)
		mark = 0
	}
	r.trips.observe(d, mark)
}

// Pending is the number of acquires in progress.
func (r *Recorder) Pending() int64 { return r.pending.Load() }

// sample advances the acquired-connections integral to now.
func (r *Recorder) sample() {
	acquired := r.poolState().Acquired
	now := r.now()
	r.integral.Lock()
	defer r.integral.Unlock()
	if dt := now.Sub(r.integral.last); dt > 0 {
		r.integral.seconds += float64(acquired) * dt.Seconds()
	}
	r.integral.last = now
}

func (r *Recorder) acquiredSeconds() float64 {
	r.integral.Lock()
	defer r.integral.Unlock()
	return r.integral.seconds
}
