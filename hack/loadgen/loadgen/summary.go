package loadgen

import (
	"encoding/json"
	"math"
	"slices"
	"time"
)

// Summary is the outcome of a run. Latencies cover every request that received an HTTP
// response, whatever its status; requests that failed below HTTP (refused, reset, timed
// out) have no meaningful latency and are counted in TransportErrors instead.
type Summary struct {
	URL         string  `json:"url"`
	Mix         string  `json:"mix"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate,omitempty"`
	// Elapsed runs from the first request to the end of the last one.
	Elapsed time.Duration `json:"-"`
	// Requests counts every measured request that completed, successful or not.
	Requests int64 `json:"requests"`
	// OK counts 2xx responses whose body was understood.
	OK int64 `json:"ok"`
	// Errors = non-2xx responses + transport errors + invalid responses.
	Errors int64 `json:"errors"`
	// RPS is Requests per second of Elapsed; OKRPS counts only the OK ones.
	RPS     float64 `json:"rps"`
	OKRPS   float64 `json:"ok_rps"`
	Latency Latency `json:"latency"`
	// Status counts responses by HTTP status code.
	Status map[int]int64 `json:"status"`
	// Routes breaks the run down by operation.
	Routes map[Op]*RouteSummary `json:"routes"`
	// ErrorsByStatus counts non-2xx responses by status code.
	ErrorsByStatus map[int]int64 `json:"errors_by_status"`
	// ErrorsByCode counts non-2xx responses by the code of their JSON error body
	// ({"error":{"code":...}}); NoErrorCode when the body had none.
	ErrorsByCode map[string]int64 `json:"errors_by_code"`
	// TransportErrors counts requests that got no complete HTTP response, by kind
	// (timeout, connection_refused, connection_reset, other, and no_session when no
	// parse-jd had returned the ids the request needed).
	TransportErrors map[string]int64 `json:"transport_errors"`
	// InvalidResponses counts 2xx responses whose body was not what the API promises.
	InvalidResponses int64 `json:"invalid_responses"`
	// ErrorSamples keeps the first message seen for each transport error kind and for
	// invalid responses, so that a failed run says why.
	ErrorSamples map[string]string `json:"error_samples,omitempty"`
	// Unsent counts, in an open loop, requests that were due before the end but could not
	// start because every worker was busy.
	Unsent int64 `json:"unsent,omitempty"`
}

// RouteSummary is the share of a run that one operation had.
type RouteSummary struct {
	Route    string        `json:"route"`
	Requests int64         `json:"requests"`
	OK       int64         `json:"ok"`
	Errors   int64         `json:"errors"`
	RPS      float64       `json:"rps"`
	Latency  Latency       `json:"latency"`
	Status   map[int]int64 `json:"status"`
}

// NoErrorCode stands in ErrorsByCode for error responses without a JSON error code.
const NoErrorCode = "(none)"

// Latency is a latency distribution: nearest-rank percentiles, maximum and mean.
type Latency struct {
	P50, P95, P99, Max, Mean time.Duration
}

type latencyJSON struct {
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
	Mean float64 `json:"mean_ms"`
}

// MarshalJSON writes milliseconds, the unit people read latencies in.
func (l Latency) MarshalJSON() ([]byte, error) {
	return json.Marshal(latencyJSON{P50: ms(l.P50), P95: ms(l.P95), P99: ms(l.P99), Max: ms(l.Max), Mean: ms(l.Mean)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (l *Latency) UnmarshalJSON(b []byte) error {
	var j latencyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*l = Latency{P50: fromMS(j.P50), P95: fromMS(j.P95), P99: fromMS(j.P99), Max: fromMS(j.Max), Mean: fromMS(j.Mean)}
	return nil
}

// summaryJSON adds the elapsed time in seconds to the JSON form.
type summaryJSON struct {
	summaryAlias
	ElapsedSeconds float64 `json:"elapsed_seconds"`
}

type summaryAlias Summary

// MarshalJSON writes Elapsed as elapsed_seconds.
func (s Summary) MarshalJSON() ([]byte, error) {
	return json.Marshal(summaryJSON{summaryAlias: summaryAlias(s), ElapsedSeconds: s.Elapsed.Seconds()})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Summary) UnmarshalJSON(b []byte) error {
	var j summaryJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Summary(j.summaryAlias)
	s.Elapsed = time.Duration(j.ElapsedSeconds * float64(time.Second))
	return nil
}

func ms(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}

func fromMS(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

// distribution summarises latencies; it sorts its argument.
func distribution(latencies []time.Duration) Latency {
	if len(latencies) == 0 {
		return Latency{}
	}
	slices.Sort(latencies)
	var sum time.Duration
	for _, d := range latencies {
		sum += d
	}
	return Latency{
		P50:  percentile(latencies, 50),
		P95:  percentile(latencies, 95),
		P99:  percentile(latencies, 99),
		Max:  latencies[len(latencies)-1],
		Mean: sum / time.Duration(len(latencies)),
	}
}

// percentile is the nearest-rank percentile of sorted: the smallest value that at least
// p % of the values do not exceed. It is always one of the observed values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = max(1, min(rank, len(sorted)))
	return sorted[rank-1]
}
