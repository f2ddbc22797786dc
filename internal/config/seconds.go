package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Seconds is a duration written the seed's way, as seconds ("30", "0.5"), or as a Go
// duration ("500ms", "1h"). The operator writes seconds without trailing zeros.
type Seconds time.Duration

// UnmarshalText implements encoding.TextUnmarshaler, which the env library uses.
func (s *Seconds) UnmarshalText(text []byte) error {
	v := strings.TrimSpace(string(text))
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > math.MaxInt64/float64(time.Second) {
			return fmt.Errorf("want seconds (\"30\", \"0.5\") or a Go duration (\"500ms\")")
		}
		*s = Seconds(time.Duration(math.Round(f * float64(time.Second))))
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("want seconds (\"30\", \"0.5\") or a Go duration (\"500ms\")")
	}
	*s = Seconds(d)
	return nil
}

// Duration returns s as a time.Duration.
func (s Seconds) Duration() time.Duration { return time.Duration(s) }

// String writes s the way the operator does: seconds without trailing zeros.
func (s Seconds) String() string {
	return strconv.FormatFloat(time.Duration(s).Seconds(), 'f', -1, 64)
}
