package plugin

import (
	"fmt"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// rollbackTarget is the history entry a rollback returns the spec to.
type rollbackTarget struct {
	entry iapiv1alpha1.HistoryEntry
	index int // position in status.history
}

// revision is the target as the revision it names in history.
func (t rollbackTarget) revision() *iapiv1alpha1.RevisionStatus {
	r := t.entry.RevisionStatus()
	return &r
}

// findRollbackTarget picks the newest history entry whose revision ran as stable and is
// not the current stable revision.
func findRollbackTarget(obj *iapiv1alpha1.InterviewAPI) (rollbackTarget, error) {
	stable := obj.Status.Stable
	if stable == nil {
		return rollbackTarget{}, fmt.Errorf("interviewapi %s has no stable revision yet: the operator has not reconciled it", obj.Name)
	}
	history := obj.Status.History
	for i := len(history) - 1; i >= 0; i-- {
		h := history[i]
		if iapiv1alpha1.RanAsStable(h.Outcome) && h.Revision != stable.Revision {
			return rollbackTarget{entry: h, index: i}, nil
		}
	}
	return rollbackTarget{}, fmt.Errorf("interviewapi %s has no earlier revision to roll back to: status.history has no Promoted, Initial or FastRollback entry other than the stable revision %s (see `kubectl interviewapi history %s`)",
		obj.Name, stable.Revision, obj.Name)
}
