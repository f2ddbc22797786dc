package plugin

import (
	"strings"
	"testing"
	"time"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

func TestFindRollbackTarget(t *testing.T) {
	sync, async := syncRevision(), asyncRevision()
	bigPool := iapiv1alpha1.NewRevision(true, iapiv1alpha1.PoolSpec{Size: 40})
	entry := func(r iapiv1alpha1.RevisionStatus, outcome string) iapiv1alpha1.HistoryEntry {
		return historyEntry(r, outcome, "", ago(time.Hour))
	}
	tests := []struct {
		name      string
		stable    *iapiv1alpha1.RevisionStatus
		history   []iapiv1alpha1.HistoryEntry
		wantIndex int
		wantErr   string
	}{
		{
			name:    "not reconciled",
			wantErr: "has no stable revision yet",
		},
		{
			name:    "empty history",
			stable:  &sync,
			wantErr: "has no earlier revision to roll back to",
		},
		{
			name:    "only the stable revision ran",
			stable:  &sync,
			history: []iapiv1alpha1.HistoryEntry{entry(sync, iapiv1alpha1.OutcomeInitial)},
			wantErr: "other than the stable revision " + sync.Revision,
		},
		{
			name:   "rolled-back and aborted revisions never ran as stable",
			stable: &sync,
			history: []iapiv1alpha1.HistoryEntry{
				entry(sync, iapiv1alpha1.OutcomeInitial),
				entry(async, iapiv1alpha1.OutcomeRolledBack),
				entry(bigPool, iapiv1alpha1.OutcomeAborted),
			},
			wantErr: "has no earlier revision",
		},
		{
			name:   "initial revision after a promotion",
			stable: &async,
			history: []iapiv1alpha1.HistoryEntry{
				entry(sync, iapiv1alpha1.OutcomeInitial),
				entry(async, iapiv1alpha1.OutcomePromoted),
			},
			wantIndex: 0,
		},
		{
			name:   "newest promoted revision wins over older ones",
			stable: &bigPool,
			history: []iapiv1alpha1.HistoryEntry{
				entry(sync, iapiv1alpha1.OutcomeInitial),
				entry(async, iapiv1alpha1.OutcomePromoted),
				entry(bigPool, iapiv1alpha1.OutcomePromoted),
			},
			wantIndex: 1,
		},
		{
			name:   "a fast rollback counts as having run as stable",
			stable: &async,
			history: []iapiv1alpha1.HistoryEntry{
				entry(async, iapiv1alpha1.OutcomeInitial),
				entry(sync, iapiv1alpha1.OutcomePromoted),
				entry(async, iapiv1alpha1.OutcomeFastRollback),
				entry(bigPool, iapiv1alpha1.OutcomeRolledBack),
			},
			wantIndex: 1,
		},
		{
			name:   "entries of the stable revision are skipped",
			stable: &sync,
			history: []iapiv1alpha1.HistoryEntry{
				entry(sync, iapiv1alpha1.OutcomeInitial),
				entry(async, iapiv1alpha1.OutcomePromoted),
				entry(sync, iapiv1alpha1.OutcomeFastRollback),
			},
			wantIndex: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := baseInstance("demo")
			obj.Status.Stable = tt.stable
			obj.Status.History = tt.history
			got, err := findRollbackTarget(obj)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got.index != tt.wantIndex || got.entry.Revision != tt.history[tt.wantIndex].Revision {
				t.Errorf("target = #%d %s, want #%d %s", got.index, got.entry.Revision, tt.wantIndex, tt.history[tt.wantIndex].Revision)
			}
		})
	}
}
