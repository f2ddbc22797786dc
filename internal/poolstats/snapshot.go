package poolstats

import (
	"math"
	"time"
)

// Health verdicts.
const (
	Healthy  = "healthy"
	Degraded = "degraded"
	Critical = "critical"
)

// Snapshot is the body of GET /monitoring/database.
type Snapshot struct {
	Mode          string     `json:"mode"`
	Pool          PoolStatus `json:"connection_pool_status"`
	Health        Health     `json:"health"`
	Queries       Queries    `json:"queries"`
	WindowSeconds int        `json:"window_seconds"` // how far back the recent figures look
}

// PoolStatus follows the seed's connection_pool_status, with SQLAlchemy's vocabulary:
// checked out (in use), checked in (idle), overflow (open beyond pool_size).
type PoolStatus struct {
	PoolSize       int     `json:"pool_size"`
	MaxOverflow    int     `json:"max_overflow"`
	Max            int     `json:"max"`
	TimeoutSeconds float64 `json:"timeout_seconds"`
	CheckedOut     int     `json:"checked_out"`
	CheckedIn      int     `json:"checked_in"`
	Constructing   int     `json:"constructing"`
	Overflow       int     `json:"overflow"`
	Pending        int64   `json:"pending"`
	// Utilization is checked_out / max, now.
	Utilization      float64 `json:"utilization"`
	AcquireWaitP50Ms float64 `json:"acquire_wait_p50_ms"` // over the window
	AcquireWaitP99Ms float64 `json:"acquire_wait_p99_ms"`
	AcquiresRecent   uint64  `json:"acquires_recent"`
	TimeoutsRecent   uint64  `json:"timeouts_recent"`
	ErrorsRecent     uint64  `json:"errors_recent"`
	AcquiresTotal    uint64  `json:"acquires_total"` // since start
	TimeoutsTotal    uint64  `json:"timeouts_total"`
	ErrorsTotal      uint64  `json:"errors_total"`
	Closed           Closed  `json:"closed_total"`
}

// Closed counts closed connections by reason, since start.
type Closed struct {
	Lifetime uint64 `json:"lifetime"`
	Idle     uint64 `json:"idle"`
	Broken   uint64 `json:"broken"`
}

// Queries describes the statements the engine ran. A round trip is one exchange with
// the server: a statement, or a pipelined batch of several.
type Queries struct {
	RoundTripsTotal  uint64  `json:"round_trips_total"`
	StatementsTotal  uint64  `json:"statements_total"`
	ErrorsTotal      uint64  `json:"errors_total"`
	RoundTripsRecent uint64  `json:"round_trips_recent"`
	ErrorsRecent     uint64  `json:"errors_recent"`
	RoundTripP50Ms   float64 `json:"round_trip_p50_ms"`
	RoundTripP99Ms   float64 `json:"round_trip_p99_ms"`
}

// Health is the verdict on the pool with the reasons for it (empty when healthy).
type Health struct {
	Status  string   `json:"status"`
	Reasons []string `json:"reasons"`
}

// Snapshot reads the pool's state and recent history and judges its health.
func (r *Recorder) Snapshot() Snapshot {
	state := r.poolState()
	waits := r.waits.summary()
	trips := r.trips.summary()
	maxConns := r.settings.MaxConns()
	open := state.Acquired + state.Idle + state.Constructing
	pool := PoolStatus{
		PoolSize:         r.settings.PoolSize,
		MaxOverflow:      r.settings.MaxOverflow,
		Max:              maxConns,
		TimeoutSeconds:   r.settings.AcquireTimeout.Seconds(),
		CheckedOut:       state.Acquired,
		CheckedIn:        state.Idle,
		Constructing:     state.Constructing,
		Overflow:         max(0, open-r.settings.PoolSize),
		Pending:          r.Pending(),
		AcquireWaitP50Ms: ms(waits.quantile(0.50)),
		AcquireWaitP99Ms: ms(waits.quantile(0.99)),
		AcquiresRecent:   waits.count,
		TimeoutsRecent:   waits.marks[Timeout],
		ErrorsRecent:     waits.marks[Failed],
		TimeoutsTotal:    r.acquires[Timeout].Load(),
		ErrorsTotal:      r.acquires[Failed].Load(),
		Closed:           Closed(state.Closed),
	}
	for i := range r.acquires {
		pool.AcquiresTotal += r.acquires[i].Load()
	}
	if maxConns > 0 {
		pool.Utilization = round3(float64(state.Acquired) / float64(maxConns))
	}
	return Snapshot{
		Mode:   r.settings.Mode,
		Pool:   pool,
		Health: ServerHealth(pool, DefaultHealthThresholds()),
		Queries: Queries{
			RoundTripsTotal:  r.roundTrips.Load(),
			StatementsTotal:  r.statements.Load(),
			ErrorsTotal:      r.queryErrors.Load(),
			RoundTripsRecent: trips.count,
			ErrorsRecent:     trips.marks[0],
			RoundTripP50Ms:   ms(trips.quantile(0.50)),
			RoundTripP99Ms:   ms(trips.quantile(0.99)),
		},
		WindowSeconds: int(windowSpan / time.Second),
	}
}

func ms(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
