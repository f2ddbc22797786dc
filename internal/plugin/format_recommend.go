package plugin

import (
	"fmt"
	"strings"
	"time"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// renderRecommendation is what `recommend` prints: the advice beside the spec's pool,
// and what it rests on.
func renderRecommendation(obj *iapiv1alpha1.InterviewAPI, now time.Time) string {
	var b strings.Builder
	rec := obj.Status.Recommendation
	spec := obj.Spec.Database
	if rec == nil {
		fmt.Fprintf(&b, "interviewapi %s has no recommendation yet: the operator advises once it has measured a window of its pods' pools (every --advice-interval when no rollout runs, and at every analysis of a rollout)\n", obj.Name)
		return b.String()
	}
	measured := fmt.Sprintf("%s (%s)", rec.Time.UTC().Format(timeLayout), age(rec.Time.Time, now))
	if rec.Size == nil || rec.MaxOverflow == nil {
		fmt.Fprintf(&b, "interviewapi %s: %s\nMeasured:  %s\n", obj.Name, oneLine(rec.Reason), measured)
		return b.String()
	}
	rows := [][]string{
		{"", "SIZE", "MAX OVERFLOW", "CONNECTIONS PER POD"},
		{"spec", fmt.Sprint(spec.Pool.SizeOrDefault()), fmt.Sprint(spec.Pool.MaxOverflowOrDefault()), fmt.Sprint(spec.Pool.ConnectionsPerPod())},
		{"advised", fmt.Sprint(*rec.Size), fmt.Sprint(*rec.MaxOverflow),
			fmt.Sprint(iapiv1alpha1.PoolSpec{Size: *rec.Size, MaxOverflow: rec.MaxOverflow}.ConnectionsPerPod())},
	}
	fmt.Fprintf(&b, "interviewapi %s, %s engine, %d replicas\n", obj.Name, rec.Mode, obj.Spec.ReplicasOrDefault())
	writeTable(&b, "", rows)
	b.WriteString("\n")
	field := func(name, value string) { fmt.Fprintf(&b, "%-17s %s\n", name+":", value) }
	field("Measured", measured)
	if on := rec.BasedOn; on != nil {
		field("Window", fmt.Sprintf("%s of %d %s pods running %s", on.Window.Duration, on.Pods, on.Track, on.Pool))
		field("Acquires", fmt.Sprint(on.Samples))
		field("Arrival rate λ", on.Rate+" per pod")
		field("Hold time W", on.HoldTime.Duration.String())
		field("Demand D = λ·W", on.Concurrency+" connections per pod (Little's law; a saturated pool's waiting acquires included)")
		field("p99 of D", fmt.Sprintf("%d connections (Poisson of mean D)", on.P99Concurrency))
	}
	var notes []string
	if rec.Saturated {
		notes = append(notes, "the measured pool was saturated: the advice counts the acquires that waited too and at least doubles the pool; once it is promoted, the next window advises it down to what the load uses")
	}
	if rec.Capped {
		budget := "-"
		if spec.MaxServerConnections != nil {
			budget = fmt.Sprint(*spec.MaxServerConnections)
		}
		notes = append(notes, fmt.Sprintf("cut to spec.database.maxServerConnections %s with a rollout's surge pod", budget))
	}
	if len(notes) > 0 {
		field("Note", strings.Join(notes, "; "))
	}
	field("Reason", oneLine(rec.Reason))
	if spec.Pool.SizeOrDefault() == *rec.Size && spec.Pool.MaxOverflowOrDefault() == *rec.MaxOverflow {
		b.WriteString("\nThe spec already asks for the advised pool.\n")
	} else {
		fmt.Fprintf(&b, "\nApply it with `kubectl interviewapi recommend %s --apply`: the operator rolls the new pool out as a canary.\n", obj.Name)
	}
	return b.String()
}
