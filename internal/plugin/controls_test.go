package plugin

import (
	"strings"
	"testing"

	"k8s.io/utils/ptr"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

func TestCheckCanRollForward(t *testing.T) {
	if err := checkCanRollForward(progressingInstance("demo"), "promote"); err != nil {
		t.Errorf("a canary can be promoted: %v", err)
	}
	err := checkCanRollForward(promotedInstance("demo"), "abort")
	if err == nil || !strings.Contains(err.Error(), "has no canary to abort (phase Healthy, stable revision "+asyncRevision().Revision+")") {
		t.Errorf("error = %v, want one saying there is no canary to abort", err)
	}
}

func TestCheckCanRetry(t *testing.T) {
	inconclusive := progressingInstance("demo")
	inconclusive.Status.Phase = iapiv1alpha1.PhasePaused
	degraded := progressingInstance("demo")
	degraded.Status.Phase = iapiv1alpha1.PhaseDegraded
	tests := []struct {
		name    string
		obj     *iapiv1alpha1.InterviewAPI
		wantErr string
	}{
		{"rolled back", rolledBackInstance("demo"), ""},
		{"paused by inconclusive analyses", inconclusive, ""},
		{"frozen by onFailure: Pause", degraded, ""},
		{"paused by the user", pausedInstance("demo"), "is paused by spec.paused, not by a failure: use `kubectl interviewapi resume demo`"},
		{"healthy", promotedInstance("demo"), "has nothing to retry: phase Healthy"},
		{"progressing", progressingInstance("demo"), "has nothing to retry: phase Progressing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkCanRetry(tt.obj)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// Each control prints exactly one line saying what it did.
func TestControlMessages(t *testing.T) {
	sync, async := syncRevision(), asyncRevision()
	atLastStep := progressingInstance("demo")
	atLastStep.Status.CurrentStep = ptr.To[int32](2)
	promoted := promotedInstance("demo")
	target, err := findRollbackTarget(promoted)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"promote next", promoteMessage(progressingInstance("demo"), false),
			"interviewapi demo: promotion requested: canary " + async.Revision + " (async, pool 20+30/30s/1h) skips to step 3 of 3 (weight 100%)"},
		{"promote at the last step", promoteMessage(atLastStep, false),
			"interviewapi demo: promotion requested: canary " + async.Revision + " (async, pool 20+30/30s/1h) is at the last step and becomes stable"},
		{"promote full", promoteMessage(progressingInstance("demo"), true),
			"interviewapi demo: full promotion requested: canary " + async.Revision + " (async, pool 20+30/30s/1h) becomes stable at once, skipping the remaining steps"},
		{"abort", abortMessage(progressingInstance("demo")),
			"interviewapi demo: abort requested: canary " + async.Revision + " (async, pool 20+30/30s/1h) goes to 0 replicas, stable " + sync.Revision + " (sync, pool 20+30/30s/1h) stays; it is not retried until the spec changes or `kubectl interviewapi retry demo`"},
		{"retry", retryMessage(rolledBackInstance("demo")),
			"interviewapi demo: retry requested: revision " + async.Revision + " (async, pool 20+30/30s/1h) is rolled out again from the first step"},
		{"pause", pauseMessage(progressingInstance("demo"), true),
			"interviewapi demo paused: no step advances and no analysis runs until `kubectl interviewapi resume demo`"},
		{"pause again", pauseMessage(pausedInstance("demo"), false),
			"interviewapi demo was already paused (spec.paused is true)"},
		{"resume", resumeMessage(progressingInstance("demo"), true),
			"interviewapi demo resumed: the rollout continues from step 2 of 3"},
		{"resume without canary", resumeMessage(promoted, true),
			"interviewapi demo resumed; no rollout is in progress"},
		{"resume when not paused", resumeMessage(promoted, false),
			"interviewapi demo was not paused (spec.paused is false)"},
		{"rollback", rollbackMessage(promoted, target, true),
			"interviewapi demo rolled back: spec.database set to revision " + sync.Revision + " (sync, pool 20+30/30s/1h) (history #1, Initial 2026-02-26T12:00:00Z); within spec.rollout.rollbackWindow the operator applies it without steps"},
		{"rollback already asked for", rollbackMessage(promoted, target, false),
			"interviewapi demo already asks for revision " + sync.Revision + " (sync, pool 20+30/30s/1h) (history #1, Initial); nothing changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("message = %q\nwant      %q", tt.got, tt.want)
			}
			if strings.Contains(tt.got, "\n") {
				t.Errorf("message spans lines: %q", tt.got)
			}
		})
	}
}
