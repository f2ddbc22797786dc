package loadgen

import (
	"maps"
	"time"
)

// outcome is what one request came to.
type outcome struct {
	op      Op
	latency time.Duration
	// status is the HTTP status, 0 when the request failed below HTTP.
	status int
	// apiCode is the code of the JSON error body of a non-2xx response.
	apiCode string
	// transport is the kind of a failure below HTTP, "" when a response arrived.
	transport string
	// invalid says why a 2xx body was not understood, "" when it was.
	invalid string
	// detail is the error message behind transport or invalid.
	detail string
}

func (o outcome) ok() bool {
	return o.transport == "" && o.invalid == "" && o.status >= 200 && o.status < 300
}

// recorder accumulates outcomes. Each worker owns one, so recording takes no lock; the
// recorders are merged once the run is over.
type recorder struct {
	routes map[Op]*routeRecord
}

type routeRecord struct {
	latencies []time.Duration
	ok        int64
	status    map[int]int64
	apiCodes  map[string]int64
	transport map[string]int64
	invalid   int64
	samples   map[string]string
}

func newRecorder() *recorder { return &recorder{routes: map[Op]*routeRecord{}} }

func (r *recorder) route(op Op) *routeRecord {
	rr := r.routes[op]
	if rr == nil {
		rr = &routeRecord{status: map[int]int64{}, apiCodes: map[string]int64{}, transport: map[string]int64{}, samples: map[string]string{}}
		r.routes[op] = rr
	}
	return rr
}

func (r *recorder) add(o outcome) {
	rr := r.route(o.op)
	switch {
	case o.transport != "":
		rr.transport[o.transport]++
		sample(rr.samples, o.transport, o.detail)
		return
	case o.invalid != "":
		rr.invalid++
		sample(rr.samples, "invalid_response", o.invalid)
	case o.ok():
		rr.ok++
	default:
		code := o.apiCode
		if code == "" {
			code = NoErrorCode
		}
		rr.apiCodes[code]++
	}
	rr.status[o.status]++
	rr.latencies = append(rr.latencies, o.latency)
}

func (r *recorder) merge(other *recorder) {
	for op, src := range other.routes {
		dst := r.route(op)
		dst.latencies = append(dst.latencies, src.latencies...)
		dst.ok += src.ok
		dst.invalid += src.invalid
		addCounts(dst.status, src.status)
		addCounts(dst.apiCodes, src.apiCodes)
		addCounts(dst.transport, src.transport)
		for k, v := range src.samples {
			sample(dst.samples, k, v)
		}
	}
}

// summary turns the merged outcomes into a Summary; it sorts the latency slices.
func (r *recorder) summary(cfg Config, elapsed time.Duration) Summary {
	s := Summary{
		URL:             cfg.BaseURL,
		Mix:             cfg.Mix.String(),
		Concurrency:     cfg.Concurrency,
		Rate:            cfg.Rate,
		Elapsed:         elapsed,
		Status:          map[int]int64{},
		Routes:          map[Op]*RouteSummary{},
		ErrorsByStatus:  map[int]int64{},
		ErrorsByCode:    map[string]int64{},
		TransportErrors: map[string]int64{},
		ErrorSamples:    map[string]string{},
	}
	var all []time.Duration
	for _, op := range allOps {
		rr := r.routes[op]
		if rr == nil {
			continue
		}
		rs := &RouteSummary{Route: route(op), OK: rr.ok, Status: maps.Clone(rr.status)}
		for code, n := range rr.status {
			rs.Requests += n
			if code < 200 || code >= 300 {
				rs.Errors += n
				s.ErrorsByStatus[code] += n
			}
		}
		for _, n := range rr.transport {
			rs.Requests += n
			rs.Errors += n
		}
		// An invalid body came with a 2xx status, already counted in Requests above.
		rs.Errors += rr.invalid
		rs.RPS = perSecond(rs.Requests, elapsed)
		all = append(all, rr.latencies...)
		rs.Latency = distribution(rr.latencies)
		s.Routes[op] = rs

		s.Requests += rs.Requests
		s.OK += rs.OK
		s.Errors += rs.Errors
		s.InvalidResponses += rr.invalid
		addCounts(s.Status, rr.status)
		addCounts(s.ErrorsByCode, rr.apiCodes)
		addCounts(s.TransportErrors, rr.transport)
		for k, v := range rr.samples {
			sample(s.ErrorSamples, k, v)
		}
	}
	s.Latency = distribution(all)
	s.RPS = perSecond(s.Requests, elapsed)
	s.OKRPS = perSecond(s.OK, elapsed)
	return s
}

func perSecond(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func addCounts[K comparable](dst, src map[K]int64) {
	for k, v := range src {
		dst[k] += v
	}
}

// sample keeps the first message of each kind.
func sample(samples map[string]string, kind, msg string) {
	if _, seen := samples[kind]; !seen && msg != "" {
		samples[kind] = msg
	}
}
