package controllers_test

import (
	"context"
	"math"
	"sync"
	"time"

	"k8s.io/utils/clock"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/metricnames"
	"github.com/interviewapi/operator/internal/poolhealth"
)

// waitBounds are the server's acquire-wait buckets (internal/poolstats).
var waitBounds = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075,
	0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, math.Inf(1)}

// podLoad is what one pod does per second.
type podLoad struct {
	acquires float64
	// waits are the shares of the acquires in each of waitBounds' buckets.
	waits    []float64
	timeouts float64 // share of the acquires that time out
	requests float64
	errors   float64 // share of the requests answered 5xx
	usage    float64 // mean share of the pool's 10 connections in use
}

var (
	healthyPod  = podLoad{acquires: 40, waits: []float64{0.9, 0.06, 0.03, 0.01}, requests: 40, usage: 0.3}
	starvingPod = podLoad{acquires: 40, waits: []float64{0.05, 0.05, 0.05, 0.05, 0.1, 0.1, 0.1, 0.2, 0.2, 0.1}, timeouts: 0.1, requests: 40, errors: 0.1, usage: 1}
	outagePod   = podLoad{acquires: 40, waits: []float64{0.9, 0.1}, timeouts: 0.5, requests: 40, errors: 0.95, usage: 0.1}
)

// compareSource is a pool-health source whose pods report counters, as the real
// sources read them, for the Compare judge: each track's pods follow a podLoad that
// the test may change with time. Its first look at a step only takes a baseline;
// every later one returns the step's totals since that baseline (a FromSince query).
type compareSource struct {
	clock clock.PassiveClock
	// canary and stable are each track's load at a moment, as time since t0.
	canary, stable func(sinceT0 time.Duration) podLoad

	mu     sync.Mutex
	since  time.Time
	base   time.Time
	last   time.Time
	totals [2]poolhealth.Delta
	// measured counts the looks.
	measured int
}

// looks is how many times the pods were measured.
func (f *compareSource) looks() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.measured
}

// For implements controllers.MetricSources.
func (f *compareSource) For(*iapiv1alpha1.InterviewAPI) (poolhealth.Source, error) { return f, nil }

// Forget implements controllers.MetricSources.
func (f *compareSource) Forget(string, string) {}

// Measure implements poolhealth.Source.
func (f *compareSource) Measure(_ context.Context, q poolhealth.Query) (poolhealth.Measurement, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.measured++
	now := f.clock.Now()
	if !q.FromSince {
		panic("the Compare judge asked for a window, not the step's totals")
	}
	if !q.Since.Equal(f.since) {
		f.since, f.base, f.last = q.Since, now, now
		f.totals = [2]poolhealth.Delta{newDelta(len(q.Canary)), newDelta(len(q.Stable))}
		return poolhealth.Measurement{Pending: true, RetryAfter: q.Interval}, nil
	}
	for sec := f.last; sec.Before(now); sec = sec.Add(time.Second) {
		at := sec.Sub(t0)
		add(&f.totals[0], f.canary(at), len(q.Canary))
		add(&f.totals[1], f.stable(at), len(q.Stable))
	}
	f.last = now
	c := cloneDelta(f.totals[0])
	c.Window, c.Modes = now.Sub(f.base), map[string]int{"async": len(q.Canary)}
	m := poolhealth.Measurement{Canary: c.Measures(), CanaryDelta: c}
	if len(q.Stable) > 0 {
		s := cloneDelta(f.totals[1])
		s.Window, s.Modes = now.Sub(f.base), map[string]int{"sync": len(q.Stable)}
		sm := s.Measures()
		m.Stable, m.StableDelta = &sm, &s
	}
	return m, nil
}

func newDelta(pods int) poolhealth.Delta {
	h := &poolhealth.Histogram{Buckets: make([]poolhealth.Bucket, len(waitBounds))}
	for i, b := range waitBounds {
		h.Buckets[i].UpperBound = b
	}
	zero, cap := 0.0, 0.0
	return poolhealth.Delta{Pods: pods, Acquires: map[string]float64{metricnames.ResultSuccess: 0, metricnames.ResultTimeout: 0},
		AcquireWait: h, Requests: &poolhealth.RequestCounts{}, AcquiredSeconds: &zero, CapacitySeconds: &cap}
}

// add adds one second of l on pods pods to d.
func add(d *poolhealth.Delta, l podLoad, pods int) {
	n := float64(pods)
	acquires := l.acquires * n
	timeouts := acquires * l.timeouts
	d.Acquires[metricnames.ResultSuccess] += acquires - timeouts
	d.Acquires[metricnames.ResultTimeout] += timeouts
	var cum float64
	for i := range waitBounds {
		if i < len(l.waits) {
			cum += l.waits[i] * (acquires - timeouts)
		}
		if i == len(waitBounds)-1 {
			cum = acquires // a timed-out acquire waited the pool timeout
		}
		d.AcquireWait.Buckets[i].Count += cum
	}
	d.AcquireWait.Count = d.AcquireWait.Buckets[len(waitBounds)-1].Count
	d.Requests.Total += l.requests * n
	d.Requests.ServerErrors += l.requests * n * l.errors
	*d.AcquiredSeconds += 10 * n * l.usage
	*d.CapacitySeconds += 10 * n
}

// cloneDelta copies a delta, so that a returned measurement never changes with the
// source's totals.
func cloneDelta(d poolhealth.Delta) poolhealth.Delta {
	out := d
	out.Acquires = map[string]float64{}
	for k, v := range d.Acquires {
		out.Acquires[k] = v
	}
	h := *d.AcquireWait
	h.Buckets = append([]poolhealth.Bucket(nil), d.AcquireWait.Buckets...)
	out.AcquireWait = &h
	r := *d.Requests
	out.Requests = &r
	busy, capacity := *d.AcquiredSeconds, *d.CapacitySeconds
	out.AcquiredSeconds, out.CapacitySeconds = &busy, &capacity
	return out
}
