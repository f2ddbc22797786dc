package advice

import (
	"fmt"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// Status is the advice as status.recommendation: measured at t, of the pods of track
// (stable or canary), which ran pool.
func (a Advice) Status(t time.Time, track string, pool v1alpha1.PoolSpec) v1alpha1.PoolRecommendation {
	size, overflow := a.Size, a.MaxOverflow
	return v1alpha1.PoolRecommendation{
		Time:        metav1.NewTime(t.Truncate(time.Second)),
		Mode:        a.Mode,
		Size:        &size,
		MaxOverflow: &overflow,
		Reason:      a.Reason,
		Saturated:   a.Saturated,
		Capped:      a.Capped,
		BasedOn: &v1alpha1.RecommendationBasis{
			Track:          track,
			Pool:           fmt.Sprintf("%d+%d", pool.SizeOrDefault(), pool.MaxOverflowOrDefault()),
			Window:         metav1.Duration{Duration: a.Window.Round(time.Second)},
			Pods:           int32(a.Pods),
			Samples:        int64(a.Acquires),
			Rate:           fmt.Sprintf("%.2f/s", a.ArrivalRate),
			HoldTime:       metav1.Duration{Duration: a.HoldTime.Round(10 * time.Microsecond)},
			Concurrency:    fmt.Sprintf("%.2f", a.Demand),
			P99Concurrency: a.P99Concurrency,
		},
	}
}

// None is status.recommendation when no window measured at t gave advice: why says
// what was missing.
func None(t time.Time, mode string, why error) v1alpha1.PoolRecommendation {
	return v1alpha1.PoolRecommendation{
		Time:   metav1.NewTime(t.Truncate(time.Second)),
		Mode:   mode,
		Reason: fmt.Sprintf("no recommendation yet: %v", why),
	}
}

// Next is the one decision of when status.recommendation changes, which is also when
// its Event is sent: it returns what the status holds after a window gave next, and
// whether that changed materially. Material is:
//
//   - the first recommendation, or the first advice after a reason for none;
//   - another engine (mode);
//   - a size or maxOverflow that moved by at least a quarter and at least one
//     connection (Material): smaller moves are the noise of one window;
//   - a stored advice that no longer fits the budget (fits is false for it: replicas
//     or maxServerConnections changed).
//
// A window with too little data never replaces an advice measured before, and a
// reason for none is not rewritten at every window: an idle instance costs no status
// writes.
func Next(last *v1alpha1.PoolRecommendation, next v1alpha1.PoolRecommendation, fits func(size, overflow int32) bool) (*v1alpha1.PoolRecommendation, bool) {
	switch {
	case last == nil:
		return &next, true
	case next.Size == nil:
		return last, false
	case last.Size == nil || last.MaxOverflow == nil || next.MaxOverflow == nil:
		return &next, true
	case last.Mode != next.Mode || !fits(*last.Size, *last.MaxOverflow):
		return &next, true
	}
	if Material(Advice{Size: *last.Size, MaxOverflow: *last.MaxOverflow}, Advice{Size: *next.Size, MaxOverflow: *next.MaxOverflow}) {
		return &next, true
	}
	return last, false
}
