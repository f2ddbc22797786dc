package poolstats

import (
	"fmt"
	"time"
)

// The server's own verdict on its pool, reported in GET /monitoring/database
// (health.status and health.reasons) for people and the seed's runbook. It is not the
// canary verdict: the operator judges a canary from the pods' metrics, by the
// thresholds of spec.rollout.analysis, in internal/poolhealth (JudgeThresholds). The
// two never read each other's figures (see docs/architecture.md).

// HealthThresholds are the limits of ServerHealth.
type HealthThresholds struct {
	// DegradedUtilization: at or above this share of max checked out, the pool is
	// degraded (it has little headroom left).
	DegradedUtilization float64
	// DegradedWaitP99: at or above this acquire-wait p99 the pool is degraded.
	DegradedWaitP99 time.Duration
}

// DefaultHealthThresholds are the thresholds Snapshot judges by, and the only place
// they are stated. The wait equals the operator's default maxAcquireWaitP99 (100ms) by
// choice, so that a pool the server calls degraded would also fail a canary analysis
// with default thresholds; utilisation is stricter than the analysis' default 0.9,
// since this verdict warns a person early and stops nothing.
func DefaultHealthThresholds() HealthThresholds {
	return HealthThresholds{DegradedUtilization: 0.8, DegradedWaitP99: 100 * time.Millisecond}
}

// ServerHealth is the server's verdict on its own pool: critical when requests are being
// refused or queue with every connection taken, degraded when it runs out of headroom
// or makes requests wait.
func ServerHealth(p PoolStatus, t HealthThresholds) Health {
	window := int(windowSpan / time.Second)
	var critical, degraded []string
	if p.TimeoutsRecent > 0 {
		critical = append(critical, fmt.Sprintf("%d acquires timed out after %gs in the last %ds (requests answered 503)",
			p.TimeoutsRecent, p.TimeoutSeconds, window))
	}
	if p.ErrorsRecent > 0 {
		critical = append(critical, fmt.Sprintf("%d connection attempts failed in the last %ds: database unreachable",
			p.ErrorsRecent, window))
	}
	if p.Max > 0 && p.CheckedOut >= p.Max && p.Pending > 0 {
		critical = append(critical, fmt.Sprintf("pool exhausted: all %d connections checked out, %d requests waiting",
			p.Max, p.Pending))
	} else if p.Utilization >= t.DegradedUtilization {
		degraded = append(degraded, fmt.Sprintf("utilization %.0f%% (threshold %.0f%%)",
			100*p.Utilization, 100*t.DegradedUtilization))
	}
	if p99 := p.AcquireWaitP99Ms; p99 >= ms(t.DegradedWaitP99) {
		degraded = append(degraded, fmt.Sprintf("acquire wait p99 %.1fms over the last %ds (threshold %.0fms)",
			p99, window, ms(t.DegradedWaitP99)))
	}
	switch {
	case len(critical) > 0:
		return Health{Status: Critical, Reasons: append(critical, degraded...)}
	case len(degraded) > 0:
		return Health{Status: Degraded, Reasons: degraded}
	}
	return Health{Status: Healthy, Reasons: []string{}}
}
