package notify

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// Decision is one decision of an instance's rollout, as its receivers see it.
type Decision struct {
	// ID identifies the decision (DecisionID); a receiver may drop a repeat.
	ID string
	// Reason is the rollout's Event reason: RolloutStarted, StepPromoted,
	// AnalysisFailed, RolledBack, Paused, Promoted, FastRollback, Aborted, ...
	Reason string
	// Severity is the Event type: Normal or Warning.
	Severity string
	// Message is the Event's message.
	Message string
	// Time is when the decision was taken (the status' time, whole seconds).
	Time time.Time

	Namespace string
	Name      string
	UID       string

	// Revision is the revision the decision is about; StableRevision is the one on
	// the stable track after it.
	Revision       string
	StableRevision string
	// Mode is status.mode (sync, async, sync→async) and Phase status.phase, after
	// the decision.
	Mode  string
	Phase string
	// Step is the rollout step the decision belongs to, nil when none does.
	Step *Step
	// FailedChecks are the checks of this pass's analysis that failed, with their
	// values and thresholds.
	FailedChecks []Check
}

// Step is a rollout step: its index in spec.rollout.steps, the number of steps and
// its canary weight in percent.
type Step struct {
	Index  int32
	Count  int32
	Weight int32
}

// Check is one failed check of an analysis.
type Check struct {
	Name      string
	Value     string
	Threshold string
}

// DecisionID identifies a decision from what the status records of it: the instance's
// UID, the revision, the step (-1 for none), the reason, the decision's time and its
// place among the decisions of the same pass. A pass repeated from the same status
// makes the same decisions with the same IDs.
func DecisionID(uid, revision string, step int32, reason string, at time.Time, seq int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d\x00%s\x00%d\x00%d", uid, revision, step, reason, at.Unix(), seq))
	return hex.EncodeToString(sum[:10])
}
