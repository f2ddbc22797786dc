package poolhealth

import (
	"strings"
	"testing"
	"time"

	"github.com/interviewapi/operator/internal/metricnames"
)

func TestMeasuresOfTwoCaptures(t *testing.T) {
	d, err := Diff(readSample(t, "metrics-2.txt", t0), readSample(t, "metrics-3.txt", t0.Add(30*time.Second)))
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	m := d.Measures()
	checks := []struct {
		name string
		got  Value
		want float64
	}{
		{"acquires", m.Acquires, 96},
		// rank 0.99×96 = 95.04 falls in (0.15, 0.25], which holds the 96th wait only.
		{"p99", m.AcquireWaitP99, 0.15 + 0.1*(95.04-95)/1},
		{"utilization", m.Utilization, (8.513953574 - 4.2453999289999995) / (30 * 3)},
		{"timeout ratio", m.TimeoutRatio, 16.0 / 96},
		{"error ratio", m.ErrorRatio, 14.0 / 181},
	}
	for _, c := range checks {
		if !c.got.Known || !approx(c.got.V, c.want) {
			t.Errorf("%s = %+v, want %v", c.name, c.got, c.want)
		}
	}
	if m.WaitResolution != 0.0001 {
		t.Errorf("WaitResolution = %v, want the lowest bound 0.0001", m.WaitResolution)
	}
	if m.Pods != 1 || m.Window != 30*time.Second || m.Modes["sync"] != 1 {
		t.Errorf("pods %d window %s modes %v", m.Pods, m.Window, m.Modes)
	}
}

func TestMeasuresUnknowns(t *testing.T) {
	full := func() Delta {
		return Delta{
			Pods: 2, Window: 30 * time.Second,
			Acquires:        map[string]float64{"success": 40},
			AcquireWait:     &Histogram{Count: 40, Buckets: []Bucket{{0.01, 40}, {posInf, 40}}},
			Requests:        &RequestCounts{Total: 50},
			AcquiredSeconds: ptr(10), CapacitySeconds: ptr(100),
		}
	}
	tests := []struct {
		name    string
		mutate  func(*Delta)
		field   func(Measures) Value
		wantWhy string
	}{
		{"no pods", func(d *Delta) { *d = Delta{} }, func(m Measures) Value { return m.Acquires }, "no pods were measured"},
		{"acquires not exported", func(d *Delta) { d.Acquires = nil }, func(m Measures) Value { return m.TimeoutRatio }, metricnames.PoolAcquires},
		{"no acquires", func(d *Delta) { d.Acquires = map[string]float64{} }, func(m Measures) Value { return m.TimeoutRatio }, "no connection acquires"},
		{"histogram not exported", func(d *Delta) { d.AcquireWait = nil }, func(m Measures) Value { return m.AcquireWaitP99 }, metricnames.PoolAcquireDuration},
		{"histogram empty", func(d *Delta) { d.AcquireWait = &Histogram{Buckets: []Bucket{{0.01, 0}, {posInf, 0}}} }, func(m Measures) Value { return m.AcquireWaitP99 }, "no acquire waits"},
		{"acquired seconds not exported", func(d *Delta) { d.AcquiredSeconds = nil }, func(m Measures) Value { return m.Utilization }, metricnames.PoolAcquiredSeconds},
		{"max connections not exported", func(d *Delta) { d.CapacitySeconds = nil }, func(m Measures) Value { return m.Utilization }, metricnames.PoolMaxConnections},
		{"zero capacity", func(d *Delta) { d.CapacitySeconds = ptr(0) }, func(m Measures) Value { return m.Utilization }, "no capacity"},
		{"requests not exported", func(d *Delta) { d.Requests = nil }, func(m Measures) Value { return m.ErrorRatio }, metricnames.HTTPRequests},
		{"no requests", func(d *Delta) { d.Requests = &RequestCounts{} }, func(m Measures) Value { return m.ErrorRatio }, "no HTTP requests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := full()
			tt.mutate(&d)
			v := tt.field(d.Measures())
			if v.Known || !strings.Contains(v.Why, tt.wantWhy) {
				t.Errorf("got %+v, want unknown because %q", v, tt.wantWhy)
			}
		})
	}
}
