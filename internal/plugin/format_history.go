package plugin

import (
	"fmt"
	"strings"
	"time"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// renderHistory is what `history` prints: status.history oldest first, then the stable
// revision and the revision `rollback` would return to.
func renderHistory(obj *iapiv1alpha1.InterviewAPI, now time.Time) string {
	var b strings.Builder
	if len(obj.Status.History) == 0 {
		fmt.Fprintf(&b, "interviewapi %s has no history yet\n", obj.Name)
		return b.String()
	}
	rows := [][]string{{"#", "REVISION", "MODE", "POOL", "OUTCOME", "TIME", "AGE", "REASON"}}
	for i, h := range obj.Status.History {
		rows = append(rows, []string{
			fmt.Sprint(i + 1), oneLine(h.Revision), iapiv1alpha1.ModeName(h.Async), h.Pool.String(), oneLine(h.Outcome),
			h.Time.UTC().Format(timeLayout), age(h.Time.Time, now), oneLine(h.Reason),
		})
	}
	writeTable(&b, "", rows)
	b.WriteString("\n")
	fmt.Fprintf(&b, "Stable revision: %s\n", describeRevision(obj.Status.Stable))
	if t, err := findRollbackTarget(obj); err == nil {
		fmt.Fprintf(&b, "Rollback target: #%d, %s\n", t.index+1, describeRevision(t.revision()))
	} else {
		b.WriteString("Rollback target: none\n")
	}
	return b.String()
}
