package plugin

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

const timeLayout = time.RFC3339

// renderStatus is what `status` prints for one InterviewAPI; now is the moment ages are
// counted to.
func renderStatus(obj *iapiv1alpha1.InterviewAPI, now time.Time) string {
	var b strings.Builder
	writeTable(&b, "", summaryRows(obj))
	b.WriteString("\n")
	writeSteps(&b, obj, now)
	b.WriteString("\n")
	writeLastAnalysis(&b, obj.Status.LastAnalysis, len(rolloutSteps(obj)), now)
	b.WriteString("\n")
	writeConditions(&b, obj, now)
	return b.String()
}

func summaryRows(obj *iapiv1alpha1.InterviewAPI) [][]string {
	st := obj.Status
	desired := obj.Spec.DesiredRevision()
	rows := [][]string{
		{"Name:", obj.Name},
		{"Namespace:", obj.Namespace},
		{"Phase:", phaseOrUnknown(obj)},
		{"Mode:", oneLine(st.Mode)},
		{"Replicas:", fmt.Sprintf("%d/%d ready", st.ReadyReplicas, obj.Spec.ReplicasOrDefault())},
		{"Canary weight:", fmt.Sprintf("%d%%", st.CanaryWeight)},
		{"Stable:", revisionCells(st.Stable)},
		{"Canary:", revisionCells(st.Canary)},
		{"Spec:", revisionCells(&desired)},
	}
	if obj.Spec.Paused {
		rows = append(rows, []string{"Paused:", fmt.Sprintf("yes, by spec.paused (`kubectl interviewapi resume %s` continues)", obj.Name)})
	}
	if st.FailedRevision != "" {
		rows = append(rows, []string{"Failed revision:", fmt.Sprintf("%s, not retried until the spec changes or `kubectl interviewapi retry %s`", st.FailedRevision, obj.Name)})
	}
	if req := pendingRequests(obj.Annotations); req != "" {
		rows = append(rows, []string{"Requested:", req + " (not acted on by the operator yet)"})
	}
	if st.ObservedGeneration == 0 {
		rows = append(rows, []string{"Observed:", fmt.Sprintf("never: the operator has not reconciled this object (is it running and watching namespace %s?)", obj.Namespace)})
	} else if st.ObservedGeneration < obj.Generation {
		rows = append(rows, []string{"Observed:", fmt.Sprintf("generation %d of %d: the operator has not caught up with the latest spec", st.ObservedGeneration, obj.Generation)})
	}
	return rows
}

// revisionCells is "HASH, MODE, pool POOL" for the summary, or "none".
func revisionCells(r *iapiv1alpha1.RevisionStatus) string {
	if r == nil {
		return "none"
	}
	return fmt.Sprintf("%s, %s, pool %s", r.Revision, iapiv1alpha1.ModeName(r.Async), r.Pool.String())
}

// pendingRequests lists the control annotations still on the object.
func pendingRequests(annotations map[string]string) string {
	var req []string
	if v, ok := annotations[iapiv1alpha1.AnnotationPromote]; ok {
		if v == "" {
			v = promoteNext
		}
		req = append(req, "promote="+v)
	}
	if _, ok := annotations[iapiv1alpha1.AnnotationAbort]; ok {
		req = append(req, "abort")
	}
	if _, ok := annotations[iapiv1alpha1.AnnotationRetry]; ok {
		req = append(req, "retry")
	}
	return strings.Join(req, ", ")
}

func writeSteps(b *strings.Builder, obj *iapiv1alpha1.InterviewAPI, now time.Time) {
	ro := obj.Spec.Rollout
	fmt.Fprintf(b, "Steps (on failure: %s, progress deadline %s):\n", onFailure(ro), durationOr(ro.ProgressDeadline, iapiv1alpha1.DefaultProgressDeadline))
	steps := rolloutSteps(obj)
	inCanary := obj.Status.Canary != nil
	current := currentStepIndex(obj)
	// The current step is marked in the two columns before its number.
	header := []string{"  STEP", "WEIGHT", "PAUSE"}
	if inCanary {
		header = append(header, "STATE")
	}
	rows := [][]string{header}
	for i, s := range steps {
		marker := "  "
		if inCanary && i == current {
			marker = "> "
		}
		row := []string{fmt.Sprintf("%s%d", marker, i+1), fmt.Sprintf("%d%%", s.Weight), durationOr(s.Pause, 0)}
		if inCanary {
			row = append(row, stepState(obj, i, current, now))
		}
		rows = append(rows, row)
	}
	writeTable(b, "  ", rows)
	if inCanary {
		a := ro.Analysis
		fmt.Fprintf(b, "  Analyses: %d passed in this step, %d failed (limit %d), %d inconclusive in a row (limit %d), every %s\n",
			obj.Status.PassedAnalyses,
			obj.Status.FailedAnalyses, orDefault(a.FailureLimit, iapiv1alpha1.DefaultFailureLimit),
			obj.Status.ConsecutiveInconclusive, orDefault(a.InconclusiveLimit, iapiv1alpha1.DefaultInconclusiveLimit),
			durationOr(a.Interval, iapiv1alpha1.DefaultAnalysisInterval))
	}
}

func stepState(obj *iapiv1alpha1.InterviewAPI, i, current int, now time.Time) string {
	st := obj.Status
	switch {
	case i < current:
		return "passed"
	case i > current:
		return "pending"
	case st.StepStartTime != nil:
		return "current: analysing for " + age(st.StepStartTime.Time, now)
	case st.StepSetTime != nil:
		return "current: waiting " + age(st.StepSetTime.Time, now) + " for ready canary pods"
	}
	return "current: waiting for ready canary pods"
}

func writeLastAnalysis(b *strings.Builder, a *iapiv1alpha1.AnalysisResult, steps int, now time.Time) {
	if a == nil {
		b.WriteString("Last analysis: none yet\n")
		return
	}
	fmt.Fprintf(b, "Last analysis: %s at step %d of %d, %s ago\n", a.Verdict, a.Step+1, steps, age(a.Time.Time, now))
	if a.Message != "" {
		b.WriteString("  " + oneLine(a.Message) + "\n")
	}
	if len(a.Metrics) == 0 {
		b.WriteString("  no metrics\n")
		return
	}
	rows := [][]string{{"METRIC", "VALUE", "THRESHOLD", "VERDICT"}}
	for _, m := range a.Metrics {
		rows = append(rows, []string{oneLine(m.Name), oneLine(m.Value), oneLine(m.Threshold), oneLine(m.Verdict)})
	}
	writeTable(b, "  ", rows)
}

func writeConditions(b *strings.Builder, obj *iapiv1alpha1.InterviewAPI, now time.Time) {
	if len(obj.Status.Conditions) == 0 {
		b.WriteString("Conditions: none yet\n")
		return
	}
	b.WriteString("Conditions:\n")
	rows := [][]string{{"TYPE", "STATUS", "REASON", "AGE", "MESSAGE"}}
	for _, c := range obj.Status.Conditions {
		rows = append(rows, []string{c.Type, string(c.Status), oneLine(c.Reason), age(c.LastTransitionTime.Time, now), oneLine(c.Message)})
	}
	writeTable(b, "  ", rows)
}

// rolloutSteps are spec.rollout.steps; the API server fills in the default steps, an
// object built without it has none and gets them here.
func rolloutSteps(obj *iapiv1alpha1.InterviewAPI) []iapiv1alpha1.RolloutStep {
	if len(obj.Spec.Rollout.Steps) == 0 {
		return iapiv1alpha1.DefaultRolloutSteps()
	}
	return obj.Spec.Rollout.Steps
}

func onFailure(ro iapiv1alpha1.RolloutSpec) iapiv1alpha1.FailurePolicy {
	if ro.OnFailure == "" {
		return iapiv1alpha1.FailureRollback
	}
	return ro.OnFailure
}

func orDefault(v, def int32) int32 {
	if v == 0 {
		return def
	}
	return v
}

// durationOr prints an optional duration with its default; "-" when there is neither.
func durationOr(d *metav1.Duration, def time.Duration) string {
	switch {
	case d != nil:
		return iapiv1alpha1.ShortDuration(d.Duration)
	case def != 0:
		return iapiv1alpha1.ShortDuration(def)
	}
	return "-"
}

// age is how long ago t was, as kubectl prints it ("12s", "5m10s", "3d").
func age(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return duration.HumanDuration(now.Sub(t))
}
