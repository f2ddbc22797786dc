package controllers_test

import (
	"context"
	"sync"
	"time"

	"k8s.io/utils/clock"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/poolhealth"
)

// Acquire-wait p99s the fake pods report: a healthy canary's is well inside both the
// default threshold (100ms) and twice the stable pods' (2 × 4ms).
const (
	stableP99  = 4 * time.Millisecond
	healthyP99 = 3 * time.Millisecond
)

// fakeSource is a controllable pool-health source. Like the real ones it needs a full
// interval after the step's start before it has a window to measure (Pending until
// then, on the operator's clock); then every canary pod reports the same healthy
// pool, unless the test makes it report another acquire-wait p99.
type fakeSource struct {
	clock clock.PassiveClock

	mu sync.Mutex
	// canaryP99 is the acquire-wait p99 the canary pods report.
	canaryP99 time.Duration
	// mode is the database mode the canary pods report.
	mode string
	// canaryUtilization is the mean share of the pool the canary pods use.
	canaryUtilization float64
	// queries are every Measure call's query, in order.
	queries []poolhealth.Query
	// measured are the queries that got a full measurement.
	measured []poolhealth.Query
	// returned is when the latest full measurement was returned.
	returned time.Time
	// kept are the instances ("namespace/name") measured and not forgotten since.
	kept map[string]bool
}

func newFakeSource(c clock.PassiveClock, mode string) *fakeSource {
	return &fakeSource{clock: c, mode: mode, canaryP99: healthyP99, canaryUtilization: defaultUtilization, kept: map[string]bool{}}
}

// For implements controllers.MetricSources.
func (f *fakeSource) For(*iapiv1alpha1.InterviewAPI) (poolhealth.Source, error) { return f, nil }

// Forget implements controllers.MetricSources.
func (f *fakeSource) Forget(namespace, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.kept, namespace+"/"+name)
}

// keeps reports whether the instance was measured and not forgotten since.
func (f *fakeSource) keeps(namespace, name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.kept[namespace+"/"+name]
}

// setCanaryP99 makes the canary pods report an acquire-wait p99 of d from now on.
func (f *fakeSource) setCanaryP99(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canaryP99 = d
}

// setCanaryUtilization makes the canary pods use share u of their pool from now on.
func (f *fakeSource) setCanaryUtilization(u float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.canaryUtilization = u
}

// Measure implements poolhealth.Source.
func (f *fakeSource) Measure(_ context.Context, q poolhealth.Query) (poolhealth.Measurement, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queries = append(f.queries, q)
	f.kept[q.Namespace+"/"+q.Instance] = true
	if elapsed := f.clock.Now().Sub(q.Since); elapsed < q.Interval {
		return poolhealth.Measurement{Pending: true, RetryAfter: q.Interval - elapsed}, nil
	}
	m := poolhealth.Measurement{Canary: pool(len(q.Canary), q.Interval, f.canaryP99, f.mode)}
	m.Canary.Utilization.V = f.canaryUtilization
	if len(q.Stable) > 0 {
		s := pool(len(q.Stable), q.Interval, stableP99, "")
		m.Stable = &s
	}
	f.measured = append(f.measured, q)
	f.returned = time.Now()
	return m, nil
}

// pool is what pods with a healthy pool and the given acquire-wait p99 report over an
// interval: plenty of acquires, a third of the connections in use, no timeouts, one
// request in a thousand answered 5xx.
func pool(pods int, window, p99 time.Duration, mode string) poolhealth.Measures {
	known := func(v float64) poolhealth.Value { return poolhealth.Value{V: v, Known: true} }
	m := poolhealth.Measures{
		Pods:           pods,
		Window:         window,
		Acquires:       known(400 * float64(pods)),
		AcquireWaitP99: known(p99.Seconds()),
		WaitResolution: 0.001,
		Utilization:    known(defaultUtilization),
		TimeoutRatio:   known(0),
		ErrorRatio:     known(0.001),
	}
	if mode != "" {
		m.Modes = map[string]int{mode: pods}
	}
	return m
}

// defaultUtilization is the share of the pool the fake pods use unless a test says
// otherwise.
const defaultUtilization = 0.35

// snapshot returns copies of the queries so far and of those that were measured.
func (f *fakeSource) snapshot() (queries, measured []poolhealth.Query) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]poolhealth.Query(nil), f.queries...), append([]poolhealth.Query(nil), f.measured...)
}

// lastReturned is when the latest full measurement was returned (wall clock).
func (f *fakeSource) lastReturned() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.returned
}
