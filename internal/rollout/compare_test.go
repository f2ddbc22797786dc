package rollout

import (
	"testing"
	"time"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// With the Compare judge, a step asks for a sample at every sampleInterval until its
// first analysis is due one interval after its start; a sample that decides nothing
// records nothing, a sample that decided a failure rolls back at once, and passing
// still takes the step's analyses.
func TestCompareJudgeSamplesBetweenAnalyses(t *testing.T) {
	w := startedCanary(t, func(in *v1alpha1.InterviewAPI) {
		in.Spec.Rollout.Analysis.SampleInterval = nil // the default, 1s
	})
	start := w.obj.Status.StepStartTime.Time

	p := Decide(w.input(nil))
	if p.Analysis == nil || !p.Analysis.Sample || p.Analysis.Judge != v1alpha1.JudgeCompare || p.RequeueAfter != time.Second {
		t.Fatalf("at the step's start: analysis %+v requeue %s, want a Compare sample and a look again in 1s", p.Analysis, p.RequeueAfter)
	}
	// A sample result that is not a failure changes nothing.
	w.advance(5 * time.Second)
	in := w.input(&v1alpha1.AnalysisResult{Verdict: v1alpha1.VerdictPass, Early: true})
	if p := Decide(in); p.Status.PassedAnalyses != 0 || p.Status.LastAnalysis != nil || len(p.Status.Analyses) != 0 {
		t.Fatalf("a passing sample was recorded: passed %d last %+v", p.Status.PassedAnalyses, p.Status.LastAnalysis)
	}
	// A second before the analysis, still a sample.
	w.advance(24 * time.Second)
	if p := Decide(w.input(nil)); p.Analysis == nil || !p.Analysis.Sample || p.RequeueAfter != time.Second {
		t.Errorf("a second before the analysis: %+v requeue %s", p.Analysis, p.RequeueAfter)
	}
	// One interval after the start the analysis is due: not a sample.
	w.advance(time.Second)
	if p := Decide(w.input(nil)); p.Analysis == nil || p.Analysis.Sample || !p.Analysis.Since.Equal(start) {
		t.Fatalf("one interval after the start: %+v", p.Analysis)
	}
	p = w.analyse(v1alpha1.VerdictPass)
	if p.Status.PassedAnalyses != 1 || len(p.Status.Analyses) != 1 {
		t.Fatalf("after the first analysis: passed %d, %d analyses kept", p.Status.PassedAnalyses, len(p.Status.Analyses))
	}
	// A failure decided at a sample rolls back in that pass.
	w.advance(3 * time.Second)
	in = w.input(nil)
	if first := Decide(in); first.Analysis == nil || !first.Analysis.Sample {
		t.Fatalf("after the analysis: %+v, want a sample", first.Analysis)
	}
	in.Analysis = &v1alpha1.AnalysisResult{Verdict: v1alpha1.VerdictFail, Early: true, Judge: v1alpha1.JudgeCompare,
		Message: "canary failed: acquireWaitP99 40ms is worse than the stable pods' 1ms"}
	p = Decide(in)
	w.apply(p)
	if p.Status.Phase != v1alpha1.PhaseRolledBack || p.Canary == nil || p.Canary.Replicas != 0 {
		t.Fatalf("after an early failure: phase %s canary %v", p.Status.Phase, p.Canary)
	}
	if n := len(p.Status.Analyses); n != 2 || !p.Status.Analyses[1].Early {
		t.Errorf("analyses kept %+v, want the pass and the early failure", p.Status.Analyses)
	}
}

// status.analyses keeps the latest MaxAnalyses analyses of the rollout, and a new
// rollout starts it afresh.
func TestAnalysesAreBounded(t *testing.T) {
	w := startedCanary(t, withThresholdJudge, func(in *v1alpha1.InterviewAPI) {
		in.Spec.Rollout.Analysis.InconclusiveLimit = 100
	})
	for i := range v1alpha1.MaxAnalyses + 4 {
		w.advance(30 * time.Second)
		p := w.analyse(v1alpha1.VerdictInconclusive)
		if i == v1alpha1.MaxAnalyses+3 {
			if n := len(p.Status.Analyses); n != v1alpha1.MaxAnalyses || !p.Status.Analyses[n-1].Time.Equal(&p.Status.LastAnalysis.Time) {
				t.Fatalf("%d analyses kept, the last %+v; want %d ending with the latest", n, p.Status.Analyses[n-1], v1alpha1.MaxAnalyses)
			}
		}
	}
	w.setSpec(withPoolSize(25))
	if p := w.pass(); len(p.Status.Analyses) != 0 {
		t.Errorf("a new rollout kept %d analyses of the last", len(p.Status.Analyses))
	}
}
