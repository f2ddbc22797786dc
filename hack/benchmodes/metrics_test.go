package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const metricsPage = `# HELP interviewapi_db_pool_acquire_duration_seconds Time spent waiting for a connection.
# TYPE interviewapi_db_pool_acquire_duration_seconds histogram
interviewapi_db_pool_acquire_duration_seconds_bucket{le="0.001"} 10
interviewapi_db_pool_acquire_duration_seconds_sum 1.5
interviewapi_db_pool_acquire_duration_seconds_count 100
interviewapi_db_pool_acquires_total{result="success"} 100
interviewapi_db_pool_acquires_total{result="timeout"} 3
interviewapi_db_pool_connections_closed_total{reason="idle"} 7
interviewapi_db_pool_connections_closed_total{reason="lifetime"} 2 1700000000000
interviewapi_http_requests_total{route="/api/v1/parse-jd",method="POST",code="200"} 98
go_goroutines 12
`

func TestScrapePool(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(metricsPage))
	}))
	defer srv.Close()
	got, err := scrapePool(t.Context(), srv.URL)
	if err != nil {
		t.Fatalf("scrapePool: %v", err)
	}
	want := poolCounters{AcquireWaitSum: 1.5, AcquireWaitCount: 100, Closed: 9, Timeouts: 3}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if w := got.sub(poolCounters{AcquireWaitSum: 0.5, AcquireWaitCount: 50}).meanWait(); w != 20*time.Millisecond {
		t.Errorf("mean wait over the interval %v, want 20ms", w)
	}
}

func TestScrapePoolWithoutPoolMetrics(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("go_goroutines 12\n"))
	}))
	defer srv.Close()
	if _, err := scrapePool(t.Context(), srv.URL); err == nil || !strings.Contains(err.Error(), "none of the pool metrics") {
		t.Errorf("scrapePool error = %v, want one saying the pool metrics are missing", err)
	}
}

func TestParseSample(t *testing.T) {
	tests := []struct {
		line   string
		name   string
		labels string
		value  float64
		ok     bool
	}{
		{`a_total{x="1 }",y="2"} 3`, "a_total", `x="1 }",y="2"}`, 3, true},
		{"b 4.5", "b", "", 4.5, true},
		{"c 1e3 1700000000000", "c", "", 1000, true},
		{"# TYPE c counter", "", "", 0, false},
		{"", "", "", 0, false},
		{"d NaNish", "", "", 0, false},
	}
	for _, tt := range tests {
		name, labels, value, ok := parseSample(tt.line)
		if name != tt.name || labels != tt.labels || value != tt.value || ok != tt.ok {
			t.Errorf("parseSample(%q) = %q, %q, %v, %v; want %q, %q, %v, %v", tt.line, name, labels, value, ok, tt.name, tt.labels, tt.value, tt.ok)
		}
	}
}
