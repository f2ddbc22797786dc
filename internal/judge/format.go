package judge

import (
	"strconv"
	"time"

	"github.com/interviewapi/operator/internal/poolhealth"
)

// formatSeconds writes a wait as a Go duration to the microsecond: "24.6ms".
func formatSeconds(v float64) string {
	return time.Duration(v * float64(time.Second)).Round(time.Microsecond).String()
}

// formatRatio writes a share to four significant digits: "0.0153".
func formatRatio(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// formatP writes a p-value to two significant digits: "0.00042".
func formatP(v float64) string { return strconv.FormatFloat(v, 'g', 2, 64) }

// formatCount writes a sample size; Prometheus' increase() may make it fractional.
func formatCount(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) }

// formatValue writes a check's value in its unit.
func formatValue(check string, v float64) string {
	if check == poolhealth.CheckAcquireWaitP99 {
		return formatSeconds(v)
	}
	return formatRatio(v)
}

func formatKnown(check string, v float64, known bool) string {
	if !known {
		return "unknown"
	}
	return formatValue(check, v)
}

// describeEffect writes a check's effect: "×3.2, +24.1ms at p90".
func describeEffect(ch Check) string {
	r := "×∞"
	if ch.Ratio > 0 {
		r = "×" + strconv.FormatFloat(ch.Ratio, 'g', 3, 64)
	}
	s := r + ", +" + formatValue(ch.Name, ch.Increase)
	if ch.Quantile > 0 {
		s += " at p" + strconv.FormatFloat(ch.Quantile*100, 'g', 3, 64)
	}
	return s
}
