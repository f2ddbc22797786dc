package poolhealth

import (
	"math"
	"strconv"
	"time"
)

// formatSeconds writes a duration in seconds the way Go prints durations, to three
// significant digits: "4.12ms", "250ms", "1.5s". The nanoseconds are rounded, not
// truncated: 0.000502 s is 501999.99… ns in floating point, and must print "502µs".
func formatSeconds(v float64) string {
	return time.Duration(math.Round(roundSignificant(v, 3) * float64(time.Second))).String()
}

// formatWindow writes an analysis interval to a hundredth of a second: measured intervals
// are a scrape's latency longer or shorter than the configured one ("5.03s", not
// "5.031007279s").
func formatWindow(d time.Duration) string {
	return d.Round(10 * time.Millisecond).String()
}

// formatRatio writes a ratio to four significant digits without an exponent: "0.0123".
func formatRatio(v float64) string {
	return strconv.FormatFloat(roundSignificant(v, 4), 'f', -1, 64)
}

// formatCount writes a count; Prometheus' increase() extrapolates, so counts from it
// may be fractional and are rounded.
func formatCount(v float64) string {
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
}

func roundSignificant(v float64, digits int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	scale := math.Pow(10, float64(digits)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*scale) / scale
}
