// Package advice recommends a pool size and overflow per server pod from what the
// operator measured of the pods' pools (internal/poolhealth.Measures), under the
// instance's connection budget. It is pure: the same sample and settings give the same
// advice, which says what it rests on.
//
// The model (docs/rollouts.md, "Pool-size advice"):
//
//   - Little's law: the mean number of connections in use per pod is the arrival rate
//     of acquires times how long each is held, L = λ·W. The pods export the integral
//     of acquired connections, so L = utilisation × (size + maxOverflow) is measured
//     directly, and W = L / λ over the acquires that got a connection.
//   - The demand D = λ·W counts every acquire, timed out or not, as held for W. A
//     saturated pool (utilisation at least SaturatedUtilization, any timeouts, or a
//     mean acquire wait at least W) lets through only what it serves, so λ·W is about
//     its own size whatever the load; its queue holds the rest. There D also counts
//     the acquires waiting, λ times the mean acquire wait (Little's law on the
//     queue), so that every request that wanted a connection at once gets one; the
//     advice is then also at least twice the pool.
//   - With requests arriving independently, the connections in use at a moment follow
//     a Poisson law of mean D whatever the hold-time distribution (M/G/∞), and an
//     acquire sees that law as it arrives (PASTA). An acquire that finds the size warm
//     connections busy opens an overflow connection, which on a loaded node takes
//     milliseconds — longer than a pool of warm connections ever makes anyone wait —
//     so size is the smallest with P(N ≥ size) ≤ MissRatio for a load ShareFactor
//     times D (a canary pod can draw more than its share: beside a starving stable
//     pod, one drew about the whole load of two on the local cluster), at least
//     MinSize; size + maxOverflow absorbs a burst of BurstFactor times that load the
//     same way.
//   - The budget: replicas + 1 (the rolling update's surge pod) pods must fit
//     spec.database.maxServerConnections, as the rollout's own budget counts them
//     (rollout.PoolFits, each pod as v1alpha1.PoolSpec.ConnectionsPerPod: size +
//     maxOverflow + the connections outside the pool); the overflow is cut first,
//     then the size.
//
// The operator samples the stable pods when no rollout runs and feeds every window it
// measures to Recommend (controllers/advise.go); Next decides when the result is
// written to status.recommendation, which `kubectl interviewapi recommend` explains.
package advice

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/rollout"
)

// Thresholds of the advice.
const (
	// MinAcquires is the fewest acquires a sample needs; fewer gives no advice.
	MinAcquires = 200
	// MinWindow is the shortest window a sample needs, give or take WindowSlack.
	MinWindow = 30 * time.Second
	// WindowSlack is how much shorter than MinWindow a window may measure: the steady
	// samples are due every --advice-interval (at least MinWindow) from the start of
	// a pass, and a pod's scrape may come a little earlier in its pass than in the
	// one before.
	WindowSlack = time.Second
	// SaturatedUtilization is the mean share of the pool in use from which the pool
	// is taken as saturated.
	SaturatedUtilization = 0.9
	// MissRatio is the share of acquires that may find every warm connection (size)
	// busy at ShareFactor times the measured load, and every connection (size +
	// overflow) busy at BurstFactor times that. Below the 1 % the acquire-wait p99
	// looks at, so that the connections such acquires open never reach it.
	MissRatio = 0.001
	// ShareFactor is the load, as a multiple of the measured one, a pod's warm
	// connections are sized for: a canary pod beside a starving stable pod drew
	// about the whole load of two on the local cluster (docs/rollouts.md).
	ShareFactor = 2.0
	// BurstFactor is the further multiple size + overflow absorbs.
	BurstFactor = 2.0
	// MinSize is the least advised size: one connection busy makes the next acquire
	// open another.
	MinSize = 2
	// MaxPool is the schema's limit of pool.size and of pool.maxOverflow.
	MaxPool = 1000
)

// Sample is what one window measured of the pods of one mode with one pool.
type Sample struct {
	// Mode is sync or async.
	Mode string
	// Pods and Window are what the measures cover.
	Pods   int
	Window time.Duration
	// Acquires is the number of acquires of all pods over the window.
	Acquires float64
	// Utilization is the mean share of size + maxOverflow in use (0 to 1).
	Utilization float64
	// TimeoutRatio is the share of acquires that timed out.
	TimeoutRatio float64
	// Size and MaxOverflow are the pool the pods ran.
	Size, MaxOverflow int32
	// MeanWait is the mean acquire wait, when MeanWaitKnown.
	MeanWait      time.Duration
	MeanWaitKnown bool
}

// Budget is the instance's connection budget.
type Budget struct {
	// Replicas is spec.replicas.
	Replicas int32
	// MaxServerConnections is spec.database.maxServerConnections; nil is no budget.
	MaxServerConnections *int32
}

// Advice is a recommended pool and what it rests on.
type Advice struct {
	Mode        string
	Size        int32
	MaxOverflow int32
	// ArrivalRate is λ, acquires per second per pod; HoldTime is W; Concurrency L
	// (mean connections in use per pod); Queue the mean acquires waiting (counted in
	// the demand of a saturated pool only); Demand D.
	ArrivalRate float64
	HoldTime    time.Duration
	Concurrency float64
	Queue       float64
	Demand      float64
	// P99Concurrency is the 99th percentile of the connections in use (Poisson of
	// mean D).
	P99Concurrency int32
	// Saturated is set when the sample's pool hid part of the demand.
	Saturated bool
	// Capped is set when the budget cut the advice.
	Capped bool
	// Window, Pods and Acquires are the sample the advice rests on.
	Window   time.Duration
	Pods     int
	Acquires float64
	// Reason explains the advice in one sentence.
	Reason string
}

// Recommend gives the advice for a sample, or an error saying why there is none.
func Recommend(s Sample, b Budget) (Advice, error) {
	switch {
	case s.Pods < 1:
		return Advice{}, fmt.Errorf("no pods were measured")
	case s.Window < MinWindow-WindowSlack:
		return Advice{}, fmt.Errorf("the window of %s is shorter than %s", s.Window, MinWindow)
	case s.Acquires < MinAcquires:
		return Advice{}, fmt.Errorf("%.0f acquires in %s, fewer than the %d the advice needs", s.Acquires, s.Window, MinAcquires)
	case s.Size < 1 || s.MaxOverflow < 0:
		return Advice{}, fmt.Errorf("pool %d+%d is not a pool", s.Size, s.MaxOverflow)
	case s.Utilization < 0 || s.Utilization > 1 || s.TimeoutRatio < 0 || s.TimeoutRatio > 1:
		return Advice{}, fmt.Errorf("utilisation %.3f or timeout ratio %.3f outside [0, 1]", s.Utilization, s.TimeoutRatio)
	}
	capacity := float64(s.Size + s.MaxOverflow)
	a := Advice{Mode: s.Mode, Window: s.Window, Pods: s.Pods, Acquires: s.Acquires}
	a.ArrivalRate = s.Acquires / s.Window.Seconds() / float64(s.Pods)
	a.Concurrency = s.Utilization * capacity
	completed := a.ArrivalRate * (1 - s.TimeoutRatio)
	if completed > 0 {
		a.HoldTime = time.Duration(a.Concurrency / completed * float64(time.Second))
	}
	a.Demand = a.Concurrency
	if s.TimeoutRatio < 1 {
		a.Demand = a.Concurrency / (1 - s.TimeoutRatio)
	}
	// A pool whose acquires wait longer for a connection than they then hold it
	// queues, however much of it the window found in use.
	queues := s.MeanWaitKnown && s.MeanWait > 0 && s.MeanWait >= a.HoldTime
	a.Saturated = s.Utilization >= SaturatedUtilization || s.TimeoutRatio > 0 || queues
	if a.Saturated && s.MeanWaitKnown {
		a.Queue = a.ArrivalRate * s.MeanWait.Seconds()
		a.Demand += a.Queue
	}
	a.P99Concurrency = poissonQuantile(a.Demand, 0.99)
	size := max(MinSize, warm(ShareFactor*a.Demand))
	total := max(size+1, warm(BurstFactor*ShareFactor*a.Demand))
	if a.Saturated {
		size = max(size, 2*s.Size)
		total = max(total, size+max(1, 2*s.MaxOverflow))
	}
	size, total = min(size, MaxPool), min(total, size+MaxPool)
	overflow := total - size

	why := fmt.Sprintf("λ %.1f acquires/s per pod × hold %s = %.2f connections in use (Little's law)",
		a.ArrivalRate, a.HoldTime.Round(10*time.Microsecond), a.ArrivalRate*a.HoldTime.Seconds())
	if a.Saturated {
		why += fmt.Sprintf("; the pool %d+%d was saturated (%.0f%% in use, %.1f%% timeouts)", s.Size, s.MaxOverflow, 100*s.Utilization, 100*s.TimeoutRatio)
		if s.MeanWaitKnown {
			why += fmt.Sprintf(", with %.2f acquires waiting (λ × mean wait %s), so the demand is %.2f", a.Queue, s.MeanWait.Round(10*time.Microsecond), a.Demand)
		}
		why += ", and the advice at least doubles the pool"
	}
	why += fmt.Sprintf("; at %g× that load (a canary's share can double) an acquire finds one of %d warm connections free, and at %g× one of %d, %g%% of the time (Poisson)",
		ShareFactor, size, BurstFactor*ShareFactor, total, 100*(1-MissRatio))
	fits := func(size, overflow int32) bool {
		return rollout.PoolFits(b.MaxServerConnections, b.Replicas, v1alpha1.PoolSpec{Size: size, MaxOverflow: &overflow})
	}
	if !fits(size, overflow) {
		a.Capped = true
		pods := int64(b.Replicas) + 1 // the rolling update's surge pod
		if !fits(1, 0) {
			return Advice{}, fmt.Errorf("maxServerConnections %d cannot give %d pods (replicas %d + 1 surge) one pool connection each beside the %d every pod opens outside its pool",
				*b.MaxServerConnections, pods, b.Replicas, v1alpha1.ServerConnectionsOutsidePool)
		}
		// The overflow goes first: it only absorbs bursts, the size serves the p99.
		for overflow > 0 && !fits(size, overflow) {
			overflow--
		}
		for size > 1 && !fits(size, overflow) {
			size--
		}
		perPod := v1alpha1.PoolSpec{Size: size, MaxOverflow: &overflow}.ConnectionsPerPod()
		why += fmt.Sprintf("; cut to %d+%d so that (%d replicas + 1 surge) × %d connections fits maxServerConnections %d",
			size, overflow, b.Replicas, perPod, *b.MaxServerConnections)
	}
	a.Size, a.MaxOverflow = size, overflow
	a.Reason = fmt.Sprintf("%s: size %d, maxOverflow %d from %.0f acquires of %d pods over %s: %s",
		s.Mode, size, overflow, s.Acquires, s.Pods, s.Window.Round(time.Second), why)
	return a, nil
}

// warm is the number of connections an acquire finds one of free with probability at
// least 1 − MissRatio when those in use are Poisson of mean m: the smallest n with
// P(N ≥ n) ≤ MissRatio, one more than the quantile.
func warm(m float64) int32 {
	return poissonQuantile(m, 1-MissRatio) + 1
}

// poissonQuantile is the smallest k with P(X ≤ k) ≥ p for X Poisson of mean m.
func poissonQuantile(m, p float64) int32 {
	if m <= 0 {
		return 0
	}
	d := distuv.Poisson{Lambda: m}
	k := math.Max(0, math.Floor(m-10*math.Sqrt(m)))
	for d.CDF(k) < p {
		k++
	}
	return int32(k)
}

// Material reports whether a new advice differs enough from the last to be told: the
// size or overflow moved by at least a quarter (and at least one connection).
func Material(last, next Advice) bool {
	moved := func(a, b int32) bool {
		d := a - b
		if d < 0 {
			d = -d
		}
		return d >= 1 && float64(d) >= 0.25*float64(max(a, b))
	}
	return last.Mode != next.Mode || moved(last.Size, next.Size) || moved(last.MaxOverflow, next.MaxOverflow)
}
