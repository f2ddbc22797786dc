package rollout

import (
	"time"

	"github.com/interviewapi/operator/api/v1alpha1"
)

// Plan is what the reconciler applies after a decision.
type Plan struct {
	// Status is the instance's new status, whole: the rollout's fields (phase, mode,
	// pool, stable, canary, currentStep, canaryWeight, step times, analysis counters,
	// failedRevision, lastAnalysis, history, observedGeneration), what the pass
	// observed (replicas, readyReplicas, selector) and every condition (Available,
	// Progressing, Degraded, RolledBack). The reconciler writes it as it is; only a
	// failed phase of the pass adds to it (StatusAfterFailure).
	Status v1alpha1.InterviewAPIStatus
	// Stable is the NAME-stable Deployment's revision and replicas.
	Stable TrackPlan
	// Canary is the NAME-canary Deployment's revision and replicas. nil: delete it
	// (or keep it absent). Replicas 0: scale it to zero and keep it until its pods
	// are gone, so that their connections are still counted against the budget.
	Canary *TrackPlan
	// Events to record on the instance, in order.
	Events []Event
	// RemoveAnnotations are the control annotations the decision consumed.
	RemoveAnnotations []string
	// Analysis, when not nil, asks for an analysis in this pass: measure, evaluate,
	// and call Decide again with the result in Input.Analysis.
	Analysis *AnalysisRequest
	// RequeueAfter is when the next timed action is due (a step's analysis, a progress
	// deadline); 0 means nothing is timed and watches on the instance and its
	// Deployments are enough.
	RequeueAfter time.Duration
	// AnalysisAfter, when not 0, is when the step's next analysis falls due (an
	// analysis, not a Compare sample): the reconciler queues the pass that takes it
	// ahead of other work, so that analyses are taken on time when many instances
	// share the operator (docs/benchmarks.md, "Operator at scale").
	AnalysisAfter time.Duration
	// Metrics says what happened in this pass, for the operator's metrics.
	Metrics Metrics

	// steady: the decision runs the stable revision alone, with no rollout or
	// handover in progress; the phase and Progressing then follow NAME-stable.
	steady bool
}

// TrackPlan is one Deployment's revision and pod count.
type TrackPlan struct {
	Revision v1alpha1.RevisionStatus
	Replicas int32
	// Surge is true when the connection budget leaves room for the Deployment's
	// rolling update to start one pod more than Replicas (maxSurge 1) while it
	// replaces pods; false makes it replace them one at a time, without an extra pod.
	Surge bool
}

// Event is one Kubernetes Event to record on the instance.
type Event struct {
	// Type is corev1.EventTypeNormal or corev1.EventTypeWarning.
	Type string
	// Reason is one of the v1alpha1 Reason constants.
	Reason  string
	Message string
}

// AnalysisRequest says what to measure.
type AnalysisRequest struct {
	// Step is the index of the step the analysis belongs to.
	Step int32
	// Since is when the step's canary pods were all ready: no measured window may
	// start before it (poolhealth.Query.Since).
	Since time.Time
	// Interval is spec.rollout.analysis.interval (poolhealth.Query.Interval).
	Interval time.Duration
	// Canary and Stable are the revisions of the two tracks: measure the ready pods
	// labelled with them.
	Canary v1alpha1.RevisionStatus
	Stable v1alpha1.RevisionStatus
	// Judge is spec.rollout.analysis.judge, with its default.
	Judge v1alpha1.AnalysisJudge
	// Sample is set for a look of the Compare judge between analyses: no analysis is
	// due, and only a failure its sequential tests decided comes back, with Early set.
	Sample bool
}

// Metrics are the countable things a pass did.
type Metrics struct {
	// AnalysisVerdict is the verdict of the analysis recorded in this pass, or "".
	AnalysisVerdict string
	// RollbackReason is set when the pass rolled back, aborted or fast-rolled-back a
	// revision: a v1alpha1 Reason constant (AnalysisFailed, ProgressDeadlineExceeded,
	// Aborted, FastRollback), the label of interviewapi_rollout_rollbacks_total.
	RollbackReason string
	// Promoted is true when the pass promoted a canary.
	Promoted bool
	// StepDuration, when not 0, is how long the step completed in this pass took,
	// from its weight being set to its last passing analysis.
	StepDuration time.Duration
}
