package plugin

import (
	"fmt"
	"strings"
	"time"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// renderAnalyses is what `analyses` prints: status.analyses oldest first, each with a
// table of its checks.
func renderAnalyses(obj *iapiv1alpha1.InterviewAPI, now time.Time) string {
	var b strings.Builder
	if len(obj.Status.Analyses) == 0 {
		fmt.Fprintf(&b, "interviewapi %s has no analyses in its current rollout\n", obj.Name)
		return b.String()
	}
	for i, a := range obj.Status.Analyses {
		if i > 0 {
			b.WriteString("\n")
		}
		judge := string(a.Judge)
		if judge == "" {
			judge = string(iapiv1alpha1.JudgeThreshold)
		}
		verdict := a.Verdict
		if a.Early {
			verdict += " (early)"
		}
		fmt.Fprintf(&b, "#%d  %s (%s)  step %d  %s  %s: %s\n", i+1, a.Time.UTC().Format(timeLayout), age(a.Time.Time, now),
			a.Step+1, judge, verdict, oneLine(a.Message))
		rows := [][]string{{"CHECK", "CANARY", "STABLE", "EFFECT", "P", "ALPHA", "SAMPLES", "THRESHOLD", "VERDICT"}}
		for _, m := range a.Metrics {
			v := m.Verdict
			if m.DryRun {
				v += " (dry run)"
			}
			samples := "-"
			if m.CanarySamples > 0 || m.StableSamples > 0 {
				samples = fmt.Sprintf("%d/%d", m.CanarySamples, m.StableSamples)
			}
			rows = append(rows, []string{oneLine(m.Name), oneLine(m.Value), oneLine(m.Stable), oneLine(m.Effect),
				oneLine(m.PValue), oneLine(m.Alpha), samples, oneLine(m.Threshold), v})
		}
		writeTable(&b, "    ", rows)
	}
	return b.String()
}
