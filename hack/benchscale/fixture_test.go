package main

import (
	"strings"
	"testing"
)

const fixtureFirst = `# TYPE reqs_total counter
reqs_total{code="200"} 10
# TYPE wait_seconds histogram
wait_seconds_bucket{le="0.1"} 4
wait_seconds_bucket{le="+Inf"} 5
wait_seconds_sum 0.25
wait_seconds_count 5
# TYPE open gauge
open 3
# TYPE interviewapi_db_mode gauge
interviewapi_db_mode{mode="async"} 0
interviewapi_db_mode{mode="sync"} 1
`

const fixtureSecond = `# TYPE reqs_total counter
reqs_total{code="200"} 30
reqs_total{code="503"} 2
# TYPE wait_seconds histogram
wait_seconds_bucket{le="0.1"} 10
wait_seconds_bucket{le="+Inf"} 12
wait_seconds_sum 0.75
wait_seconds_count 12
# TYPE open gauge
open 7
# TYPE interviewapi_db_mode gauge
interviewapi_db_mode{mode="async"} 0
interviewapi_db_mode{mode="sync"} 1
`

func TestMetricsFixtureRender(t *testing.T) {
	f, err := parseFixture([]byte(fixtureFirst), []byte(fixtureSecond))
	if err != nil {
		t.Fatal(err)
	}
	// Scrape k: counter = first + k × (second − first); gauges at their second value;
	// a series new in the second body counts from 0.
	tests := []struct {
		k    int
		mode string
		want []string
	}{
		{0, "sync", []string{`reqs_total{code="200"} 10`, `reqs_total{code="503"} 0`, `wait_seconds_bucket{le="0.1"} 4`,
			`wait_seconds_sum 0.25`, `open 7`, `interviewapi_db_mode{mode="async"} 0`, `interviewapi_db_mode{mode="sync"} 1`}},
		{3, "async", []string{`reqs_total{code="200"} 70`, `reqs_total{code="503"} 6`, `wait_seconds_bucket{le="+Inf"} 26`,
			`wait_seconds_sum 1.75`, `wait_seconds_count 26`, `open 7`, `interviewapi_db_mode{mode="async"} 1`, `interviewapi_db_mode{mode="sync"} 0`}},
	}
	for _, tt := range tests {
		out := string(f.render(tt.k, tt.mode))
		lines := strings.Split(out, "\n")
		for _, w := range tt.want {
			found := false
			for _, l := range lines {
				if l == w {
					found = true
				}
			}
			if !found {
				t.Errorf("scrape %d (%s): no line %q in\n%s", tt.k, tt.mode, w, out)
			}
		}
		if !strings.Contains(out, "# TYPE wait_seconds histogram\n") {
			t.Errorf("comments not kept:\n%s", out)
		}
	}
}

func TestParseFixtureRejectsAFallingCounter(t *testing.T) {
	if _, err := parseFixture([]byte(fixtureSecond), []byte(fixtureFirst)); err == nil || !strings.Contains(err.Error(), "goes down") {
		t.Errorf("bodies in the wrong order: err %v, want a falling counter named", err)
	}
}
