package rollout

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// appendHistory adds an entry and keeps the newest v1alpha1.MaxHistory.
func appendHistory(history []v1alpha1.HistoryEntry, e v1alpha1.HistoryEntry) []v1alpha1.HistoryEntry {
	history = append(history, e)
	if over := len(history) - v1alpha1.MaxHistory; over > 0 {
		history = append([]v1alpha1.HistoryEntry(nil), history[over:]...)
	}
	return history
}

func entry(r v1alpha1.RevisionStatus, outcome, reason string, at metav1.Time) v1alpha1.HistoryEntry {
	return v1alpha1.HistoryEntry{Revision: r.Revision, Async: r.Async, Pool: r.Pool, Outcome: outcome, Reason: reason, Time: at}
}

// fastRollbackTarget finds revision among the revisions that ran on the stable track
// within the rollback window before now, and returns the time it stopped being stable
// (the time the next revision became stable). A revision promoted long ago but
// replaced a minute ago is within the window: the window measures how long ago the
// revision was serving, since that is what makes going back to it safe.
func fastRollbackTarget(history []v1alpha1.HistoryEntry, revision string, window time.Duration, now time.Time) (replacedAt time.Time, ok bool) {
	for i, e := range history {
		if e.Revision != revision || !v1alpha1.RanAsStable(e.Outcome) {
			continue
		}
		// The revision served until the next revision became stable.
		for _, later := range history[i+1:] {
			if v1alpha1.RanAsStable(later.Outcome) && later.Revision != revision {
				if !later.Time.Time.Before(now.Add(-window)) {
					replacedAt, ok = later.Time.Time, true
				}
				break
			}
		}
	}
	return replacedAt, ok
}

// knownRevision finds a revision's settings by its hash in status: the stable and
// canary revisions and the history.
func knownRevision(st *v1alpha1.InterviewAPIStatus, hash string) *v1alpha1.RevisionStatus {
	if hash == "" {
		return nil
	}
	for _, r := range []*v1alpha1.RevisionStatus{st.Stable, st.Canary} {
		if r != nil && r.Revision == hash {
			c := *r
			return &c
		}
	}
	for i := len(st.History) - 1; i >= 0; i-- {
		if e := st.History[i]; e.Revision == hash {
			r := e.RevisionStatus()
			return &r
		}
	}
	return nil
}
