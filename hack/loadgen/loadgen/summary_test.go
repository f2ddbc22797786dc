package loadgen

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func msList(values ...int) []time.Duration {
	out := make([]time.Duration, len(values))
	for i, v := range values {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

func TestDistribution(t *testing.T) {
	oneToHundred := make([]int, 100)
	for i := range oneToHundred {
		oneToHundred[i] = 100 - i // unsorted on purpose
	}
	tests := []struct {
		name string
		in   []time.Duration
		want Latency
	}{
		{"empty", nil, Latency{}},
		{"one value", msList(7), Latency{P50: 7 * time.Millisecond, P95: 7 * time.Millisecond, P99: 7 * time.Millisecond, Max: 7 * time.Millisecond, Mean: 7 * time.Millisecond}},
		{"1..100", msList(oneToHundred...), Latency{P50: 50 * time.Millisecond, P95: 95 * time.Millisecond, P99: 99 * time.Millisecond, Max: 100 * time.Millisecond, Mean: 50500 * time.Microsecond}},
		{"ten values: p99 is the largest", msList(10, 1, 9, 2, 8, 3, 7, 4, 6, 5), Latency{P50: 5 * time.Millisecond, P95: 10 * time.Millisecond, P99: 10 * time.Millisecond, Max: 10 * time.Millisecond, Mean: 5500 * time.Microsecond}},
		{"one slow outlier in 200", append(msList(make([]int, 199)...), time.Second), Latency{P50: 0, P95: 0, P99: 0, Max: time.Second, Mean: 5 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := distribution(tt.in); got != tt.want {
				t.Errorf("distribution = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestSummaryJSONRoundTrip(t *testing.T) {
	in := Summary{
		URL: "http://127.0.0.1:8000", Mix: "parse-jd=1", Concurrency: 64, Elapsed: 2500 * time.Millisecond,
		Requests: 10, OK: 8, Errors: 2, RPS: 4, OKRPS: 3.2,
		Latency:         Latency{P50: 1500 * time.Microsecond, P95: 20 * time.Millisecond, P99: 30 * time.Millisecond, Max: 31 * time.Millisecond, Mean: 5 * time.Millisecond},
		Status:          map[int]int64{200: 8, 503: 1},
		Routes:          map[Op]*RouteSummary{OpParseJD: {Route: route(OpParseJD), Requests: 10, OK: 8, Errors: 2, Status: map[int]int64{200: 8, 503: 1}}},
		ErrorsByStatus:  map[int]int64{503: 1},
		ErrorsByCode:    map[string]int64{"pool_timeout": 1},
		TransportErrors: map[string]int64{"timeout": 1},
		ErrorSamples:    map[string]string{"timeout": "context deadline exceeded"},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	for _, field := range []string{`"elapsed_seconds":2.5`, `"p50_ms":1.5`, `"503":1`, `"parse-jd":{`} {
		if !bytes.Contains(b, []byte(field)) {
			t.Errorf("JSON %s lacks %s", b, field)
		}
	}
	var out Summary
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip changed the summary:\n in  %+v\n out %+v", in, out)
	}
}

func TestWriteTextShowsRoutesAndErrors(t *testing.T) {
	rec := newRecorder()
	rec.add(outcome{op: OpParseJD, status: 200, latency: 40 * time.Millisecond})
	rec.add(outcome{op: OpParseJD, status: 503, apiCode: "pool_timeout", latency: time.Second})
	rec.add(outcome{op: OpSession, transport: "connection_refused", detail: "dial tcp: connection refused"})
	s := rec.summary(Config{BaseURL: "http://x", Concurrency: 2, Mix: Mix{{OpParseJD, 1}, {OpSession, 1}}}, time.Second)
	var out strings.Builder
	if err := WriteText(&out, s); err != nil {
		t.Fatalf("WriteText: %v", err)
	}
	for _, want := range []string{"3 (1 ok, 2 errors)", "POST /api/v1/parse-jd", "GET /api/v1/sessions/:id", "503:1", "pool_timeout:1", "connection_refused:1", "dial tcp: connection refused"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}
