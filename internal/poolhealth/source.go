package poolhealth

import (
	"context"
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// DefaultPort is the server's HTTP port, which also serves /metrics.
const DefaultPort int32 = 8000

// Pod is one server pod to measure.
type Pod struct {
	// UID tells a pod apart from a later pod of the same name.
	UID types.UID
	// Name is the pod's name, the pod label in Prometheus.
	Name string
	// IP is the pod's IP address, scraped directly by ScrapeSource.
	IP string
	// Port serves /metrics; 0 means DefaultPort.
	Port int32
}

// Query says which pods to measure and over which interval.
type Query struct {
	// Namespace and Instance identify the InterviewAPI the pods belong to.
	Namespace string
	Instance  string
	// Canary and Stable are the ready pods of each track.
	Canary []Pod
	Stable []Pod
	// Interval is the analysis interval: the shortest window a measurement covers.
	Interval time.Duration
	// Since is the earliest moment the window may start: when the current step's
	// canary pods were all ready. Data from before it belongs to another weight.
	Since time.Time
	// FromSince asks for everything since Since rather than for the latest window:
	// the Compare judge reads the step's totals at every sample. Interval is then
	// only the shortest span worth measuring.
	FromSince bool
}

// Measurement is what a Source saw of both tracks over one window.
type Measurement struct {
	// Pending is true when no full window after Since is available yet (a source
	// that only took a baseline): there is nothing to judge, which is not a verdict.
	Pending bool
	// RetryAfter, when Pending, is how long until a full window will be available.
	RetryAfter time.Duration
	// Canary are the canary pods' measures.
	Canary Measures
	// Stable are the stable pods' measures, nil when none could be taken.
	Stable *Measures
	// CanaryDelta and StableDelta are the counter increases the measures were
	// computed from (StableDelta nil with Stable), for a judge that needs the counts
	// themselves.
	CanaryDelta Delta
	StableDelta *Delta
}

// Source measures the pool health of an instance's pods over an interval. A Source is
// safe for concurrent use by reconciles of different instances.
type Source interface {
	// Measure returns the measures of the query's pods over a window of at least
	// q.Interval that starts no earlier than q.Since, or a Pending measurement when no
	// such window is available yet. An error means nothing could be measured.
	Measure(ctx context.Context, q Query) (Measurement, error)
}

// MeasureAndJudge is the reconciler's one call when an analysis is due: it measures with src
// and judges the canary against c. It returns (nil, wait) when the source only took a
// baseline: nothing is to be recorded, and the analysis should be tried again after
// wait. A source error is an Inconclusive result saying what failed, never a Pass.
// The result's Time is now; its Step is left for the caller.
func MeasureAndJudge(ctx context.Context, src Source, q Query, c Criteria, now time.Time) (*v1alpha1.AnalysisResult, time.Duration) {
	m, err := src.Measure(ctx, q)
	if err != nil {
		return &v1alpha1.AnalysisResult{
			Time:    metav1.NewTime(now),
			Verdict: v1alpha1.VerdictInconclusive,
			Message: fmt.Sprintf("could not measure the canary: %v", err),
		}, 0
	}
	if m.Pending {
		return nil, m.RetryAfter
	}
	r := JudgeThresholds(m.Canary, m.Stable, c)
	r.Time = metav1.NewTime(now)
	return &r, 0
}
