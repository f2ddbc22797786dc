package main

import (
	"fmt"
	"time"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/e2e/framework"
)

// rolloutPrinter prints an instance's rollout as it happens: a line whenever the phase,
// step, weight or ready pods change, and every new analysis as a table of the measured
// values against their thresholds.
type rolloutPrinter struct {
	p            *printer
	lastLine     string
	lastAnalysis time.Time
}

func (r *rolloutPrinter) observe(o framework.Observation) {
	in := o.Instance
	st := in.Status
	// The analysis first: it is what moved the rollout to the state printed next.
	if a := st.LastAnalysis; a != nil && !a.Time.Time.Equal(r.lastAnalysis) {
		first := r.lastAnalysis.IsZero()
		r.lastAnalysis = a.Time.Time
		// An analysis of an earlier rollout, seen when the demo starts to look, is not news.
		if !first || st.Canary != nil {
			r.printAnalysis(in, a)
		}
	}
	line := fmt.Sprintf("%-11s mode %-11s", st.Phase, st.Mode)
	if st.Canary != nil && st.CurrentStep != nil {
		line += fmt.Sprintf(" step %d/%d  canary weight %3d%%", *st.CurrentStep+1, len(in.Spec.Rollout.Steps), st.CanaryWeight)
	}
	line += fmt.Sprintf("  ready %d/%d", st.ReadyReplicas, in.Spec.ReplicasOrDefault())
	if line != r.lastLine {
		r.lastLine = line
		r.p.Line("%s", line)
	}
}

func (r *rolloutPrinter) printAnalysis(in *iapiv1alpha1.InterviewAPI, a *iapiv1alpha1.AnalysisResult) {
	weight := "-"
	if int(a.Step) < len(in.Spec.Rollout.Steps) {
		weight = fmt.Sprintf("%d%%", in.Spec.Rollout.Steps[a.Step].Weight)
	}
	r.p.Line("analysis of step %d (%s): %s — %s", a.Step+1, weight, a.Verdict, a.Message)
	lines := []string{fmt.Sprintf(framework.AnalysisLineFormat, "METRIC", "VALUE", "THRESHOLD", "VERDICT")}
	r.p.Block(append(lines, framework.AnalysisLines(a)...)...)
}

// rolledBackReason is the message of an instance's RolledBack condition.
func rolledBackReason(in *iapiv1alpha1.InterviewAPI) string {
	if c := in.Condition(iapiv1alpha1.ConditionRolledBack); c != nil && c.Status == "True" {
		return c.Message
	}
	return "(no RolledBack condition)"
}
