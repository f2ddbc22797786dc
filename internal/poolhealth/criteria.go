package poolhealth

import (
	"time"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// Criteria are the limits a healthy canary stays within.
type Criteria struct {
	// MinAcquires is the sample size below which nothing is concluded.
	MinAcquires float64
	// MaxAcquireWaitP99 bounds the 99th percentile of the acquire wait.
	MaxAcquireWaitP99 time.Duration
	// MaxPoolUtilization bounds the mean share of connections in use, 0 to 1.
	MaxPoolUtilization float64
	// MaxAcquireTimeoutRatio bounds the share of acquires that time out, 0 to 1.
	MaxAcquireTimeoutRatio float64
	// MaxErrorRatio bounds the share of requests answered 5xx, 0 to 1.
	MaxErrorRatio float64
	// MaxP99VsStable bounds the canary's p99 as a multiple of the stable pods' p99,
	// when the stable pods made at least MinAcquires acquires; 0 turns it off.
	MaxP99VsStable float64
	// Mode, when set, is the database mode the canary pods must report running
	// ("sync" or "async"); pods running another mode are not the revision under test.
	Mode string
}

// CriteriaFor reads the criteria from an analysis spec, filling in the schema's
// defaults for fields an object built in Go may have left empty. mode is the database
// mode of the canary revision, or "" to skip that check.
func CriteriaFor(a v1alpha1.AnalysisSpec, mode string) Criteria {
	c := Criteria{
		MinAcquires:            float64(v1alpha1.DefaultMinAcquires),
		MaxAcquireWaitP99:      v1alpha1.DefaultMaxAcquireWaitP99,
		MaxPoolUtilization:     ratio(a.Thresholds.MaxPoolUtilization, v1alpha1.DefaultMaxPoolUtilization),
		MaxAcquireTimeoutRatio: ratio(a.Thresholds.MaxAcquireTimeoutRatio, v1alpha1.DefaultMaxAcquireTimeoutRatio),
		MaxErrorRatio:          ratio(a.Thresholds.MaxErrorRatio, v1alpha1.DefaultMaxErrorRatio),
		MaxP99VsStable:         ratio(a.Thresholds.MaxP99VsStable, v1alpha1.DefaultMaxP99VsStable),
		Mode:                   mode,
	}
	if a.MinAcquires != nil {
		c.MinAcquires = float64(*a.MinAcquires)
	}
	if a.Thresholds.MaxAcquireWaitP99 != nil {
		c.MaxAcquireWaitP99 = a.Thresholds.MaxAcquireWaitP99.Duration
	}
	return c
}

// ratio parses a ratio threshold, falling back to the schema's default for that field.
func ratio(s, def string) float64 {
	return v1alpha1.Ratio(s, v1alpha1.Ratio(def, 0))
}
