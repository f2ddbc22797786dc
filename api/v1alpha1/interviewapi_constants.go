/*
Copyright 2026 The InterviewAPI Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package v1alpha1

// Phases of an InterviewAPI.
const (
	PhaseHealthy     Phase = "Healthy"
	PhaseProgressing Phase = "Progressing"
	PhasePaused      Phase = "Paused"
	PhaseDegraded    Phase = "Degraded"
	PhaseRolledBack  Phase = "RolledBack"
)

// Failure policies of a rollout.
const (
	FailureRollback FailurePolicy = "Rollback"
	FailurePause    FailurePolicy = "Pause"
)

// Condition types written in status.conditions.
const (
	// ConditionAvailable is True when every declared replica is ready.
	ConditionAvailable = "Available"
	// ConditionProgressing is True while a canary is being rolled out or the server
	// pods are being replaced (a new image, pod template or replica count).
	ConditionProgressing = "Progressing"
	// ConditionDegraded is True when the instance cannot reach its declared state:
	// a rollout paused by failures or inconclusive analyses, a held step, missing pods.
	ConditionDegraded = "Degraded"
	// ConditionRolledBack is True after a failed canary was rolled back; its message
	// names the failing metric, its value and the threshold.
	ConditionRolledBack = "RolledBack"
)

// Condition reasons and Event reasons.
const (
	ReasonReconciled           = "Reconciled"
	ReasonReplicasReady        = "ReplicasReady"
	ReasonReplicasNotReady     = "ReplicasNotReady"
	ReasonNoRollout            = "NoRollout"
	ReasonRolloutStarted       = "RolloutStarted"
	ReasonStepPromoted         = "StepPromoted"
	ReasonAnalysisFailed       = "AnalysisFailed"
	ReasonAnalysisInconclusive = "AnalysisInconclusive"
	ReasonRolledBack           = "RolledBack"
	ReasonPromoted             = "Promoted"
	ReasonAborted              = "Aborted"
	ReasonFastRollback         = "FastRollback"
	ReasonBudgetHeld           = "BudgetHeld"
	ReasonPaused               = "Paused"
	ReasonProgressDeadline     = "ProgressDeadlineExceeded"
	ReasonRetried              = "Retried"
	ReasonChildUpdated         = "ChildUpdated"
	// ReasonChildDeleted: the operator removed an owned object it no longer needs.
	ReasonChildDeleted = "ChildDeleted"
	// ReasonChildNotOwned: an object with a child's name exists and is not controlled
	// by the instance; the operator leaves it alone and reports it.
	ReasonChildNotOwned = "ChildNotOwned"
	// ReasonReconcileFailed: a reconcile phase failed; the message names it.
	ReasonReconcileFailed = "ReconcileFailed"
	// ReasonPrometheusNotAllowed: spec.rollout.analysis.prometheus.address is not
	// among the addresses the operator's --allowed-prometheus-urls allows; no
	// request was sent, and the rollout waits at its step.
	ReasonPrometheusNotAllowed = "PrometheusAddressNotAllowed"
	// ReasonRollingUpdate: a Deployment is replacing its pods.
	ReasonRollingUpdate = "RollingUpdate"
	// ReasonReplicaFailure: a Deployment cannot create its pods (quota, admission).
	ReasonReplicaFailure = "ReplicaFailure"
	// ReasonInitialRevision: the first revision of an instance went straight to stable.
	ReasonInitialRevision = "InitialRevision"
	// ReasonPoolRecommendation: status.recommendation changed materially
	// (internal/advice.Next decides when).
	ReasonPoolRecommendation = "PoolRecommendation"
)

// Analysis and metric verdicts.
const (
	VerdictPass         = "Pass"
	VerdictFail         = "Fail"
	VerdictInconclusive = "Inconclusive"
)

// History outcomes.
const (
	OutcomePromoted     = "Promoted"
	OutcomeRolledBack   = "RolledBack"
	OutcomeAborted      = "Aborted"
	OutcomeFastRollback = "FastRollback"
	OutcomeInitial      = "Initial"
)

// Annotations a user sets on an InterviewAPI to steer a rollout; the operator removes
// each once it has acted on it.
const (
	// AnnotationPromote skips to the next step ("next", or "" ) or to the end ("full").
	AnnotationPromote = "apps.interviewapi.io/promote"
	// AnnotationAbort scales the canary to 0 and keeps the stable revision.
	AnnotationAbort = "apps.interviewapi.io/abort"
	// AnnotationRetry starts the rolled-back revision's rollout again.
	AnnotationRetry = "apps.interviewapi.io/retry"
)

// Labels and annotations on the objects the operator owns.
const (
	LabelName     = "app.kubernetes.io/name"
	LabelInstance = "app.kubernetes.io/instance"
	LabelManaged  = "app.kubernetes.io/managed-by"
	LabelTrack    = "apps.interviewapi.io/track"
	LabelRevision = "apps.interviewapi.io/revision"

	// ServerName is the app.kubernetes.io/name of every server pod.
	ServerName = "interviewapi-server"
	// ManagerName is the app.kubernetes.io/managed-by of owned objects.
	ManagerName = "interviewapi-operator"

	TrackStable = "stable"
	TrackCanary = "canary"

	// AnnotationConfigHash on a pod template changes whenever the server's settings do,
	// so a settings change replaces the pods.
	AnnotationConfigHash = "apps.interviewapi.io/config-hash"
)

// MaxHistory is how many history entries status keeps.
const MaxHistory = 20
