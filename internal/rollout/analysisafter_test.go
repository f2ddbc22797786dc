package rollout

import (
	"testing"
	"time"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// The plan says when the step's next analysis falls due (AnalysisAfter), so that the
// reconciler can queue that pass ahead of other work; a Compare sample's requeue is
// not one. Waits are counted from the pass's own time, not the whole second the status
// records, so that the analysis pass comes when the analysis falls due.
func TestAnalysisAfter(t *testing.T) {
	const interval = 30 * time.Second
	tests := []struct {
		name  string
		judge v1alpha1.AnalysisJudge
		// at is how long after the step's start the pass runs; analysed: the pass
		// records an analysis (its result is the input).
		at       time.Duration
		analysed bool
		// wantRequeue and wantAnalysis are the plan's RequeueAfter and AnalysisAfter.
		wantRequeue, wantAnalysis time.Duration
	}{
		{"compare, at the step's start: a sample next", v1alpha1.JudgeCompare, 0, false, time.Second, interval},
		{"compare, mid-step: a sample next", v1alpha1.JudgeCompare, 12*time.Second + 300*time.Millisecond, false, time.Second, 17*time.Second + 700*time.Millisecond},
		{"compare, under a sample interval before due: the analysis next, on time", v1alpha1.JudgeCompare, 29*time.Second + 400*time.Millisecond, false, 600 * time.Millisecond, 600 * time.Millisecond},
		{"compare, after an analysis taken late in its second", v1alpha1.JudgeCompare, interval + 800*time.Millisecond, true, time.Second, interval - 800*time.Millisecond},
		{"threshold, after an analysis", v1alpha1.JudgeThreshold, interval + 400*time.Millisecond, true, interval - 400*time.Millisecond, interval - 400*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := startedCanary(t, func(in *v1alpha1.InterviewAPI) {
				in.Spec.Rollout.Analysis.Judge = tt.judge
				in.Spec.Rollout.Analysis.SampleInterval = nil // the default, 1s
			})
			start := w.obj.Status.StepStartTime.Time
			if tt.judge == v1alpha1.JudgeThreshold {
				w.pass() // the baseline at the step's start
			}
			w.now = start.Add(tt.at)
			var p Plan
			if tt.analysed {
				p = w.analyse(v1alpha1.VerdictPass)
			} else {
				p = Decide(w.input(nil))
			}
			if p.RequeueAfter != tt.wantRequeue || p.AnalysisAfter != tt.wantAnalysis {
				t.Errorf("requeue %s, analysis after %s; want %s and %s", p.RequeueAfter, p.AnalysisAfter, tt.wantRequeue, tt.wantAnalysis)
			}
		})
	}
}
