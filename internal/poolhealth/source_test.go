package poolhealth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// stubSource returns a fixed measurement, for testing MeasureAndJudge alone.
type stubSource struct {
	m   Measurement
	err error
}

func (s stubSource) Measure(context.Context, Query) (Measurement, error) { return s.m, s.err }

func TestMeasureAndJudge(t *testing.T) {
	now := t0.Add(time.Hour)
	failing := healthy()
	failing.ErrorRatio = known(0.5)
	tests := []struct {
		name     string
		src      stubSource
		wantNil  bool
		wantWait time.Duration
		verdict  string
		message  string
	}{
		{name: "baseline only is not a verdict", src: stubSource{m: Measurement{Pending: true, RetryAfter: 25 * time.Second}}, wantNil: true, wantWait: 25 * time.Second},
		{name: "source error is inconclusive", src: stubSource{err: errors.New("connection refused")}, verdict: "Inconclusive", message: "could not measure the canary: connection refused"},
		{name: "healthy canary passes", src: stubSource{m: Measurement{Canary: healthy()}}, verdict: "Pass"},
		{name: "failing canary fails", src: stubSource{m: Measurement{Canary: failing}}, verdict: "Fail", message: "errorRatio 0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, wait := MeasureAndJudge(context.Background(), tt.src, Query{}, criteria, now)
			if wait != tt.wantWait {
				t.Errorf("wait = %s, want %s", wait, tt.wantWait)
			}
			if tt.wantNil {
				if r != nil {
					t.Errorf("result = %+v, want nil", r)
				}
				return
			}
			if r == nil {
				t.Fatal("result is nil")
			}
			if r.Verdict != tt.verdict || !strings.Contains(r.Message, tt.message) || !r.Time.Time.Equal(now) {
				t.Errorf("result = %s %q at %s, want %s containing %q at %s", r.Verdict, r.Message, r.Time, tt.verdict, tt.message, now)
			}
		})
	}
}
