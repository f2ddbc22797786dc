package framework

import (
	"fmt"
	"strings"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// StatusLine sums an instance's rollout up in one line: phase, mode, step and weight,
// ready pods and the last analysis' verdict.
func StatusLine(in *iapiv1alpha1.InterviewAPI) string {
	s := in.Status
	var b strings.Builder
	fmt.Fprintf(&b, "phase=%s mode=%s", orDash(string(s.Phase)), orDash(s.Mode))
	if s.Canary != nil {
		step := "-"
		if s.CurrentStep != nil {
			step = fmt.Sprintf("%d/%d", *s.CurrentStep+1, len(in.Spec.Rollout.Steps))
		}
		fmt.Fprintf(&b, " step=%s weight=%d%%", step, s.CanaryWeight)
	}
	fmt.Fprintf(&b, " ready=%d/%d", s.ReadyReplicas, in.Spec.ReplicasOrDefault())
	if a := s.LastAnalysis; a != nil && s.Canary != nil {
		fmt.Fprintf(&b, " analysis=%s", a.Verdict)
	}
	return b.String()
}

// AnalysisLineFormat lays out the columns of AnalysisLines: metric, value, threshold,
// verdict.
const AnalysisLineFormat = "%-24s %-10s %-36s %s"

// AnalysisLines renders an analysis as one line per metric: value, threshold, verdict.
func AnalysisLines(a *iapiv1alpha1.AnalysisResult) []string {
	if a == nil {
		return nil
	}
	lines := make([]string, 0, len(a.Metrics))
	for _, m := range a.Metrics {
		lines = append(lines, fmt.Sprintf(AnalysisLineFormat, m.Name, m.Value, m.Threshold, m.Verdict))
	}
	return lines
}

// FailingMetrics are the metrics of an analysis that failed.
func FailingMetrics(a *iapiv1alpha1.AnalysisResult) []iapiv1alpha1.MetricResult {
	if a == nil {
		return nil
	}
	var out []iapiv1alpha1.MetricResult
	for _, m := range a.Metrics {
		if m.Verdict == iapiv1alpha1.VerdictFail {
			out = append(out, m)
		}
	}
	return out
}

// LastHistory is the newest history entry, nil when there is none.
func LastHistory(in *iapiv1alpha1.InterviewAPI) *iapiv1alpha1.HistoryEntry {
	if n := len(in.Status.History); n > 0 {
		return &in.Status.History[n-1]
	}
	return nil
}

// HistoryOf finds the newest history entry of a revision with an outcome.
func HistoryOf(in *iapiv1alpha1.InterviewAPI, revision, outcome string) *iapiv1alpha1.HistoryEntry {
	for i := len(in.Status.History) - 1; i >= 0; i-- {
		h := &in.Status.History[i]
		if h.Revision == revision && h.Outcome == outcome {
			return h
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
