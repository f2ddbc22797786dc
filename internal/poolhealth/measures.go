package poolhealth

import (
	"fmt"
	"math"
	"time"

	"github.com/interviewapi/operator/internal/metricnames"
)

// Value is a measured quantity that may be unknown: a metric some pod did not export,
// or a ratio with nothing to divide by. An unknown value is never compared with a
// threshold; it makes the analysis inconclusive.
type Value struct {
	V     float64
	Known bool
	// Why says why the value is unknown.
	Why string
}

func known(v float64) Value { return Value{V: v, Known: true} }

func unknown(format string, args ...any) Value {
	return Value{Why: fmt.Sprintf(format, args...)}
}

// Measures are what the analysis judges about a group of pods over an interval.
type Measures struct {
	// Pods is how many pods the measures cover.
	Pods int
	// Window is the interval they cover.
	Window time.Duration

	// Acquires is the number of connection acquires: the sample size.
	Acquires Value
	// AcquireWaitP99 is the 99th percentile of the wait for a connection, in seconds.
	AcquireWaitP99 Value
	// AcquireWaitMean is the mean wait for a connection, in seconds, estimated from the
	// histogram's buckets (Histogram.Mean): by Little's law, the acquires per second
	// times it is the mean number of acquires waiting, which the pool advice reads.
	AcquireWaitMean Value
	// WaitResolution is the upper bound, in seconds, of the lowest bucket of the
	// acquire-wait histogram: a p99 at or below it only says "below this bound".
	WaitResolution float64
	// Utilization is the mean share of the pools' connections that were acquired.
	Utilization Value
	// TimeoutRatio is the share of acquires that timed out.
	TimeoutRatio Value
	// ErrorRatio is the share of HTTP requests answered 5xx.
	ErrorRatio Value

	// Modes counts the pods by the database mode they reported.
	Modes map[string]int
	// Resets counts pods whose process restarted inside the window.
	Resets int
	// Gaps says why the measures do not cover every pod for the whole window.
	Gaps []string
}

// Measures computes the judged quantities from a delta:
//
//	acquire-wait p99   = Quantile(0.99) of the merged histogram increase
//	mean utilisation   = Δacquired_connection_seconds / Σ(Δt × max_connections)
//	timeout ratio      = Δacquires{result="timeout"} / Δacquires
//	error ratio        = Δrequests{code=~"5.."} / Δrequests
//	acquires           = Δacquires over every result
func (d Delta) Measures() Measures {
	m := Measures{
		Pods:   d.Pods,
		Window: d.Window,
		Modes:  d.Modes,
		Resets: d.Resets,
		Gaps:   d.Gaps,
	}
	if d.Pods == 0 {
		none := unknown("no pods were measured")
		m.Acquires, m.AcquireWaitP99, m.AcquireWaitMean, m.Utilization, m.TimeoutRatio, m.ErrorRatio = none, none, none, none, none, none
		return m
	}

	var acquires, timeouts float64
	if d.Acquires == nil {
		m.Acquires = missing(metricnames.PoolAcquires)
		m.TimeoutRatio = m.Acquires
	} else {
		for result, v := range d.Acquires {
			acquires += v
			if result == metricnames.ResultTimeout {
				timeouts += v
			}
		}
		m.Acquires = known(acquires)
		if acquires > 0 {
			m.TimeoutRatio = known(timeouts / acquires)
		} else {
			m.TimeoutRatio = unknown("no connection acquires in %s", formatWindow(d.Window))
		}
	}

	if d.AcquireWait == nil {
		m.AcquireWaitP99 = missing(metricnames.PoolAcquireDuration)
		m.AcquireWaitMean = m.AcquireWaitP99
	} else {
		m.WaitResolution = d.AcquireWait.lowestBound()
		if p99 := d.AcquireWait.Quantile(0.99); math.IsNaN(p99) {
			m.AcquireWaitP99 = unknown("no acquire waits were observed in %s", formatWindow(d.Window))
		} else {
			m.AcquireWaitP99 = known(p99)
		}
		if mean := d.AcquireWait.Mean(); math.IsNaN(mean) {
			m.AcquireWaitMean = unknown("no acquire waits were observed in %s", formatWindow(d.Window))
		} else {
			m.AcquireWaitMean = known(mean)
		}
	}

	switch {
	case d.AcquiredSeconds == nil:
		m.Utilization = missing(metricnames.PoolAcquiredSeconds)
	case d.CapacitySeconds == nil:
		m.Utilization = missing(metricnames.PoolMaxConnections)
	case *d.CapacitySeconds <= 0:
		m.Utilization = unknown("the pools had no capacity (%s is 0)", metricnames.PoolMaxConnections)
	default:
		m.Utilization = known(*d.AcquiredSeconds / *d.CapacitySeconds)
	}

	switch {
	case d.Requests == nil:
		m.ErrorRatio = missing(metricnames.HTTPRequests)
	case d.Requests.Total <= 0:
		m.ErrorRatio = unknown("no HTTP requests in %s", d.Window)
	default:
		m.ErrorRatio = known(d.Requests.ServerErrors / d.Requests.Total)
	}
	return m
}

func missing(metric string) Value {
	return unknown("%s is not reported for every pod", metric)
}
