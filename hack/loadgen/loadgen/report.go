package loadgen

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText prints a summary for people: totals, latency, then one line per route, then
// every error by kind.
func WriteText(w io.Writer, s Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	p := func(format string, args ...any) { fmt.Fprintf(tw, format, args...) }

	p("target\t%s\n", s.URL)
	loop := "closed loop"
	if s.Rate > 0 {
		loop = fmt.Sprintf("open loop at %g/s", s.Rate)
	}
	p("load\t%d workers, %s, mix %s\n", s.Concurrency, loop, s.Mix)
	p("elapsed\t%s\n", s.Elapsed.Round(time.Millisecond))
	p("requests\t%d (%d ok, %d errors)\n", s.Requests, s.OK, s.Errors)
	p("throughput\t%.1f req/s (%.1f ok/s)\n", s.RPS, s.OKRPS)
	p("latency\t%s\n", formatLatency(s.Latency))
	p("status\t%s\n", formatCounts(s.Status))
	if s.Unsent > 0 {
		p("unsent\t%d requests were due but every worker was busy\n", s.Unsent)
	}
	p("\n")
	p("route\trequests\terrors\treq/s\tp50\tp95\tp99\tmax\tstatus\n")
	for _, op := range allOps {
		r := s.Routes[op]
		if r == nil {
			continue
		}
		l := r.Latency
		p("%s\t%d\t%d\t%.1f\t%s\t%s\t%s\t%s\t%s\n", r.Route, r.Requests, r.Errors, r.RPS,
			fmtDur(l.P50), fmtDur(l.P95), fmtDur(l.P99), fmtDur(l.Max), formatCounts(r.Status))
	}
	if s.Errors > 0 {
		p("\n")
		if len(s.ErrorsByStatus) > 0 {
			p("errors by status\t%s\n", formatCounts(s.ErrorsByStatus))
			p("errors by code\t%s\n", formatCounts(s.ErrorsByCode))
		}
		if len(s.TransportErrors) > 0 {
			p("transport errors\t%s\n", formatCounts(s.TransportErrors))
		}
		if s.InvalidResponses > 0 {
			p("invalid responses\t%d\n", s.InvalidResponses)
		}
		for _, kind := range slices.Sorted(maps.Keys(s.ErrorSamples)) {
			p("  first %s\t%s\n", kind, s.ErrorSamples[kind])
		}
	}
	return tw.Flush()
}

func formatLatency(l Latency) string {
	return fmt.Sprintf("p50 %s  p95 %s  p99 %s  max %s  mean %s",
		fmtDur(l.P50), fmtDur(l.P95), fmtDur(l.P99), fmtDur(l.Max), fmtDur(l.Mean))
}

// fmtDur prints milliseconds with a precision that suits the magnitude.
func fmtDur(d time.Duration) string {
	msec := float64(d) / float64(time.Millisecond)
	switch {
	case msec >= 100:
		return fmt.Sprintf("%.0fms", msec)
	case msec >= 10:
		return fmt.Sprintf("%.1fms", msec)
	default:
		return fmt.Sprintf("%.2fms", msec)
	}
}

func formatCounts[K int | string](m map[K]int64) string {
	if len(m) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%v:%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}
