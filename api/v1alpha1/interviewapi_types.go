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

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// InterviewAPISpec declares how the interview API server runs and how a change of its
// database mode or pool settings is rolled out.
// +kubebuilder:validation:XValidation:rule="!has(self.database.maxServerConnections) || self.database.maxServerConnections >= (has(self.replicas) ? self.replicas : 2) * (self.database.pool.size + self.database.pool.maxOverflow + 3)",fieldPath=".database.maxServerConnections",message="spec.database.maxServerConnections must be at least replicas × (pool.size + pool.maxOverflow + 3): every pod may open pool.size + pool.maxOverflow connections for its pool, one for its readiness probe and two for its migrations at start"
type InterviewAPISpec struct {
	// Image of the interviewapi-server container.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:XValidation:rule="self.trim() != ''",message="spec.image must not be blank"
	Image string `json:"image"`

	// ImagePullPolicy of the server container.
	// +optional
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`

	// Replicas is the number of server pods, stable and canary together.
	// +kubebuilder:default=2
	// +kubebuilder:validation:Minimum=0
	// +optional
	Replicas *int32 `json:"replicas,omitempty"`

	// Resources of the server container.
	// +optional
	Resources corev1.ResourceRequirements `json:"resources,omitempty"`

	// NodeSelector of the server pods.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// Tolerations of the server pods.
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// Affinity of the server pods.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`

	// PodLabels are added to the server pods (the operator's own labels win on conflict).
	// +optional
	PodLabels map[string]string `json:"podLabels,omitempty"`

	// PodAnnotations are added to the server pods.
	// +optional
	PodAnnotations map[string]string `json:"podAnnotations,omitempty"`

	// ImagePullSecrets of the server pods.
	// +optional
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`

	// Database connection, pool and mode.
	Database DatabaseSpec `json:"database"`

	// Monitoring settings of the server.
	// +kubebuilder:default={}
	// +optional
	Monitoring MonitoringSpec `json:"monitoring,omitempty"`

	// Rollout says how a change of database mode or pool settings is rolled out.
	// +kubebuilder:default={}
	// +optional
	Rollout RolloutSpec `json:"rollout,omitempty"`

	// Paused stops a rollout where it is: no step advances and no analysis runs.
	// +optional
	Paused bool `json:"paused,omitempty"`
}

// DatabaseSpec is the server's database: where it is, how many connections each pod may
// hold, and which engine (legacy sync or async) it uses.
type DatabaseSpec struct {
	// URLSecretRef names the Secret key holding the postgres:// URL. The URL is never
	// written in the spec; the operator never reads the Secret, the pods do.
	URLSecretRef SecretKeyRef `json:"urlSecretRef"`

	// MaxServerConnections is the PostgreSQL max_connections budget of this instance.
	// When set, no rollout step lets all pods together open more connections than this,
	// counting each pod as pool.size + pool.maxOverflow + 3 (its readiness probe's
	// connection and two for its migrations at start).
	// +kubebuilder:validation:Minimum=1
	// +optional
	MaxServerConnections *int32 `json:"maxServerConnections,omitempty"`

	// Pool settings of each server pod.
	// +kubebuilder:default={}
	// +optional
	Pool PoolSpec `json:"pool,omitempty"`

	// Async selects the async engine.
	// +kubebuilder:default={}
	// +optional
	Async AsyncSpec `json:"async,omitempty"`
}

// SecretKeyRef names one key of a Secret in the instance's namespace.
type SecretKeyRef struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Key in the Secret.
	// +kubebuilder:validation:MinLength=1
	Key string `json:"key"`
}

// PoolSpec is the connection pool of one server pod; the names follow the seed's
// ASYNC_DATABASE_POOL_* settings.
type PoolSpec struct {
	// Size is the number of connections kept open (ASYNC_DATABASE_POOL_SIZE).
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	Size int32 `json:"size,omitempty"`

	// MaxOverflow is how many connections may be opened above size under load
	// (ASYNC_DATABASE_MAX_OVERFLOW).
	// +kubebuilder:default=30
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1000
	// +optional
	MaxOverflow *int32 `json:"maxOverflow,omitempty"`

	// Timeout is how long a request waits for a connection before it is answered 503
	// (ASYNC_DATABASE_POOL_TIMEOUT).
	// +kubebuilder:default="30s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s') && duration(self) <= duration('10m')",message="spec.database.pool.timeout must be more than 0s and at most 10m"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Recycle is the age at which a connection is replaced (ASYNC_DATABASE_POOL_RECYCLE);
	// 0 keeps connections for ever.
	// +kubebuilder:default="1h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="spec.database.pool.recycle must not be negative"
	// +optional
	Recycle *metav1.Duration `json:"recycle,omitempty"`
}

// AsyncSpec toggles the async engine (ASYNC_DATABASE_ENABLED).
type AsyncSpec struct {
	// Enabled selects the async engine; false runs the legacy sync engine.
	// +kubebuilder:default=false
	// +optional
	Enabled bool `json:"enabled"`
}

// MonitoringSpec configures the server's own monitoring.
type MonitoringSpec struct {
	// Enabled serves /monitoring/database and the pool metrics
	// (ASYNC_DATABASE_MONITORING_ENABLED). Rollout analysis needs it.
	// +kubebuilder:default=true
	// +optional
	Enabled *bool `json:"enabled,omitempty"`
}

// FailurePolicy is what a failed rollout does.
// +kubebuilder:validation:Enum=Rollback;Pause
type FailurePolicy string

// RolloutSpec says how a new database revision (mode or pool) replaces the stable one.
type RolloutSpec struct {
	// Steps raise the canary's share of the replicas; each step waits for its pause
	// with passing analyses before the next. The last step must be 100.
	// +kubebuilder:default={{weight:25,pause:"1m"},{weight:50,pause:"1m"},{weight:100}}
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=20
	// +kubebuilder:validation:XValidation:rule="self[size(self) - 1].weight == 100",message="spec.rollout.steps: the last step must have weight 100"
	// +kubebuilder:validation:XValidation:rule="self.map(s, s.weight).isSorted() && self.all(s, self.filter(o, o.weight == s.weight).size() == 1)",message="spec.rollout.steps: weights must be strictly increasing"
	// +optional
	Steps []RolloutStep `json:"steps,omitempty"`

	// Analysis judges the canary's pool health.
	// +kubebuilder:default={}
	// +optional
	Analysis AnalysisSpec `json:"analysis,omitempty"`

	// ProgressDeadline is how long a step may wait for its canary pods to be ready
	// before the step counts as failed.
	// +kubebuilder:default="10m"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('10s')",message="spec.rollout.progressDeadline must be at least 10s"
	// +optional
	ProgressDeadline *metav1.Duration `json:"progressDeadline,omitempty"`

	// OnFailure is Rollback (scale the canary to 0) or Pause (freeze at the current
	// weight, for a change that must not be reverted).
	// +kubebuilder:default=Rollback
	// +optional
	OnFailure FailurePolicy `json:"onFailure,omitempty"`

	// RollbackWindow is how long a promoted revision stays a fast-rollback target: a
	// spec returned to it within the window is applied at once, without steps.
	// +kubebuilder:default="24h"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="spec.rollout.rollbackWindow must not be negative"
	// +optional
	RollbackWindow *metav1.Duration `json:"rollbackWindow,omitempty"`

	// Notifications receive every decision of the rollout (notification_types.go).
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	// +optional
	Notifications []Notification `json:"notifications,omitempty"`
}

// RolloutStep is one canary weight and how long it is watched.
type RolloutStep struct {
	// Weight is the canary's share of spec.replicas, in percent.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	Weight int32 `json:"weight"`

	// Pause is how long the step is analysed before the next; at least one analysis
	// interval is always run.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="spec.rollout.steps[].pause must not be negative"
	// +optional
	Pause *metav1.Duration `json:"pause,omitempty"`
}

// AnalysisSpec says how often and against what the canary's pool health is measured.
// +kubebuilder:validation:XValidation:rule="!has(self.sampleInterval) || !has(self.interval) || duration(self.sampleInterval) <= duration(self.interval)",message="spec.rollout.analysis.sampleInterval must not be longer than the interval"
type AnalysisSpec struct {
	// Interval between analyses.
	// +kubebuilder:default="30s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('5s')",message="spec.rollout.analysis.interval must be at least 5s"
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`

	// FailureLimit is how many failed analyses fail the rollout.
	// +kubebuilder:default=1
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +optional
	FailureLimit int32 `json:"failureLimit,omitempty"`

	// InconclusiveLimit is how many inconclusive analyses in a row pause the rollout.
	// +kubebuilder:default=3
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=100
	// +optional
	InconclusiveLimit int32 `json:"inconclusiveLimit,omitempty"`

	// MinAcquires is the number of connection acquires the canary must make in an
	// interval for the analysis to count; fewer is inconclusive.
	// +kubebuilder:default=20
	// +kubebuilder:validation:Minimum=0
	// +optional
	MinAcquires *int32 `json:"minAcquires,omitempty"`

	// Thresholds a healthy canary stays within.
	// +kubebuilder:default={}
	// +optional
	Thresholds ThresholdsSpec `json:"thresholds,omitempty"`

	// Prometheus, when set, is queried instead of scraping the pods directly.
	// +optional
	Prometheus *PrometheusSpec `json:"prometheus,omitempty"`

	// Judge decides each analysis. Compare (the default) compares the canary pods
	// with the stable pods over the same seconds, with sequential tests read at every
	// sampleInterval: a check fails only when the canary is worse with the configured
	// confidence and by a material margin, the thresholds stay as ceilings while the
	// stable pods are within them, and a fault that degrades the stable pods alike is
	// Inconclusive, never a failure. Threshold judges each analysis window against the
	// thresholds alone, as before Compare existed.
	// +kubebuilder:default=Compare
	// +optional
	Judge AnalysisJudge `json:"judge,omitempty"`

	// SampleInterval is how often the Compare judge measures both tracks during a
	// step. Its tests hold their confidence however often they are read, so a
	// decisive failure rolls the canary back within seconds, without waiting for the
	// interval; a pass still needs the step's pause and a full interval. The Threshold
	// judge does not sample.
	// +kubebuilder:default="1s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1s')",message="spec.rollout.analysis.sampleInterval must be at least 1s"
	// +optional
	SampleInterval *metav1.Duration `json:"sampleInterval,omitempty"`

	// Compare are the Compare judge's confidence and material margins.
	// +kubebuilder:default={}
	// +optional
	Compare CompareSpec `json:"compare,omitempty"`

	// DryRun names checks whose verdicts are recorded (status, Events, metrics) but
	// never fail or hold the rollout: a way to try a check before relying on it.
	// +kubebuilder:validation:MaxItems=4
	// +listType=set
	// +optional
	DryRun []CheckName `json:"dryRun,omitempty"`
}

// AnalysisJudge is how analyses are decided.
// +kubebuilder:validation:Enum=Compare;Threshold
type AnalysisJudge string

// CheckName names a check of the analysis that dryRun may name.
// +kubebuilder:validation:Enum=acquireWaitP99;acquireTimeoutRatio;errorRatio;poolUtilization
type CheckName string

// CompareSpec tunes the Compare judge. Ratios are decimal strings. The defaults come
// from the judge's simulations (internal/judge): with them, 10,000 simulated rollouts
// of a canary identical to the stable pods, looked at every second, failed 0.06 %, and
// a pool too small for its load was failed within 3 seconds in 98 % of runs.
// +kubebuilder:validation:XValidation:rule="!has(self.confidence) || double(self.confidence) >= 0.5",message="spec.rollout.analysis.compare.confidence must be at least 0.5"
// +kubebuilder:validation:XValidation:rule="!has(self.minWaitRatio) || double(self.minWaitRatio) >= 1.0",message="spec.rollout.analysis.compare.minWaitRatio must be at least 1"
// +kubebuilder:validation:XValidation:rule="!has(self.minRateRatio) || double(self.minRateRatio) >= 1.0",message="spec.rollout.analysis.compare.minRateRatio must be at least 1"
type CompareSpec struct {
	// Confidence bounds the chance that the comparison fails a canary no worse than
	// the stable pods: 0.99 keeps false rollbacks of a whole rollout, every look of
	// every step included, at or under 1 %.
	// +kubebuilder:default="0.99"
	// +kubebuilder:validation:Pattern=`^0\.[0-9]*[1-9][0-9]*$`
	// +optional
	Confidence string `json:"confidence,omitempty"`

	// MinWaitRatio and MinWaitIncrease are the material margin of the acquire wait:
	// the canary's waits (compared at the highest quantile both samples resolve, the
	// p99 with enough acquires) must be at least 1.5 times the stable pods' and 5ms
	// longer. A few milliseconds are small next to a request's own database time, and
	// healthy canaries on a busy node show a few times a warm stable p99 of 0.1ms.
	// +kubebuilder:default="1.5"
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	// +optional
	MinWaitRatio string `json:"minWaitRatio,omitempty"`
	// +kubebuilder:default="5ms"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$`
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('0s')",message="spec.rollout.analysis.compare.minWaitIncrease must not be negative"
	// +optional
	MinWaitIncrease *metav1.Duration `json:"minWaitIncrease,omitempty"`

	// MinRateRatio and MinRateIncrease are the material margin of the timeout and
	// 5xx ratios: at least doubled and half a percentage point higher, so that
	// 0.1 % → 1.5 % fails and 0.1 % → 0.3 % does not.
	// +kubebuilder:default="2"
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	// +optional
	MinRateRatio string `json:"minRateRatio,omitempty"`
	// +kubebuilder:default="0.005"
	// +kubebuilder:validation:Pattern=`^(0(\.[0-9]+)?|1(\.0+)?)$`
	// +optional
	MinRateIncrease string `json:"minRateIncrease,omitempty"`

	// MinUtilizationIncrease is the material margin of the mean pool utilisation: the
	// canary's pools busier by a fifth of their connections.
	// +kubebuilder:default="0.2"
	// +kubebuilder:validation:Pattern=`^(0(\.[0-9]+)?|1(\.0+)?)$`
	// +optional
	MinUtilizationIncrease string `json:"minUtilizationIncrease,omitempty"`
}

// ThresholdsSpec are the limits of a healthy pool. Ratios are decimal strings.
type ThresholdsSpec struct {
	// MaxAcquireWaitP99 is the highest 99th percentile of the wait for a connection.
	// +kubebuilder:default="100ms"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s')",message="spec.rollout.analysis.thresholds.maxAcquireWaitP99 must be more than 0s"
	// +optional
	MaxAcquireWaitP99 *metav1.Duration `json:"maxAcquireWaitP99,omitempty"`

	// MaxPoolUtilization is the highest mean share of the pool's connections in use,
	// from 0 to 1.
	// +kubebuilder:default="0.9"
	// +kubebuilder:validation:Pattern=`^(0(\.[0-9]+)?|1(\.0+)?)$`
	// +optional
	MaxPoolUtilization string `json:"maxPoolUtilization,omitempty"`

	// MaxAcquireTimeoutRatio is the highest share of acquires that time out, 0 to 1.
	// +kubebuilder:default="0.01"
	// +kubebuilder:validation:Pattern=`^(0(\.[0-9]+)?|1(\.0+)?)$`
	// +optional
	MaxAcquireTimeoutRatio string `json:"maxAcquireTimeoutRatio,omitempty"`

	// MaxErrorRatio is the highest share of requests answered 5xx, 0 to 1.
	// +kubebuilder:default="0.02"
	// +kubebuilder:validation:Pattern=`^(0(\.[0-9]+)?|1(\.0+)?)$`
	// +optional
	MaxErrorRatio string `json:"maxErrorRatio,omitempty"`

	// MaxP99VsStable is how many times the stable pods' acquire-wait p99 the canary's
	// may be, checked when the stable pods made enough acquires; "0" turns it off. A
	// canary p99 under 1ms never fails this check: a ratio of waits that small is noise.
	// +kubebuilder:default="2"
	// +kubebuilder:validation:Pattern=`^[0-9]+(\.[0-9]+)?$`
	// +optional
	MaxP99VsStable string `json:"maxP99VsStable,omitempty"`
}

// PrometheusSpec is a Prometheus server that scrapes the server pods.
type PrometheusSpec struct {
	// Address of the Prometheus HTTP API, such as http://prometheus:9090.
	// +kubebuilder:validation:Pattern=`^https?://[^\s]+$`
	Address string `json:"address"`
}

// Phase is the state of an InterviewAPI in one word.
// +kubebuilder:validation:Enum=Healthy;Progressing;Paused;Degraded;RolledBack
type Phase string

// RevisionStatus is one database revision: the settings a group of pods runs with.
type RevisionStatus struct {
	// Revision is a hash of the async and pool settings.
	Revision string `json:"revision"`
	// Async is whether the revision runs the async engine.
	Async bool `json:"async"`
	// Pool settings of the revision.
	Pool PoolSpec `json:"pool"`
}

// MetricResult is one measured value of an analysis against its threshold.
type MetricResult struct {
	Name string `json:"name"`
	// Value is the canary's value.
	Value     string `json:"value"`
	Threshold string `json:"threshold"`
	// Verdict is Pass, Fail or Inconclusive.
	Verdict string `json:"verdict"`
	// Stable is the stable pods' value over the same seconds (Compare judge).
	// +optional
	Stable string `json:"stable,omitempty"`
	// Effect is the canary against the stable pods: ratio and increase.
	// +optional
	Effect string `json:"effect,omitempty"`
	// PValue is the always-valid p-value of "the canary is worse than the stable
	// pods", and Alpha what it is compared with.
	// +optional
	PValue string `json:"pValue,omitempty"`
	// +optional
	Alpha string `json:"alpha,omitempty"`
	// CanarySamples and StableSamples are the sample sizes: acquires, or requests for
	// the error ratio.
	// +optional
	CanarySamples int64 `json:"canarySamples,omitempty"`
	// +optional
	StableSamples int64 `json:"stableSamples,omitempty"`
	// DryRun is set when the check's verdict was recorded but not acted on.
	// +optional
	DryRun bool `json:"dryRun,omitempty"`
}

// AnalysisResult is the outcome of one analysis of the canary.
type AnalysisResult struct {
	Time metav1.Time `json:"time"`
	// Verdict is Pass, Fail or Inconclusive.
	Verdict string `json:"verdict"`
	// Step is the index of the step the analysis belonged to.
	Step int32 `json:"step"`
	// Message explains the verdict in one sentence.
	// +optional
	Message string `json:"message,omitempty"`
	// Judge is the judge that decided it: Compare or Threshold.
	// +optional
	Judge AnalysisJudge `json:"judge,omitempty"`
	// Early is set on a failure the Compare judge reached between analyses, at a
	// sample, and acted on at once.
	// +optional
	Early bool `json:"early,omitempty"`
	// +optional
	// +listType=atomic
	Metrics []MetricResult `json:"metrics,omitempty"`
}

// HistoryEntry records how a revision's rollout ended.
type HistoryEntry struct {
	Revision string   `json:"revision"`
	Async    bool     `json:"async"`
	Pool     PoolSpec `json:"pool"`
	// Outcome is Promoted, RolledBack, Aborted or FastRollback.
	Outcome string `json:"outcome"`
	// +optional
	Reason string      `json:"reason,omitempty"`
	Time   metav1.Time `json:"time"`
}

// InterviewAPIStatus is what the operator observed and did. All rollout state lives
// here, so a restarted operator resumes where the last one stopped.
type InterviewAPIStatus struct {
	// +optional
	Phase Phase `json:"phase,omitempty"`
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// Mode is the engine the pods run: sync, async, or sync→async during a canary.
	// +optional
	Mode string `json:"mode,omitempty"`
	// Pool summarises the stable pool settings: size+overflow/timeout/recycle.
	// +optional
	Pool string `json:"pool,omitempty"`
	// Stable is the revision the NAME-stable Deployment runs.
	// +optional
	Stable *RevisionStatus `json:"stable,omitempty"`
	// Canary is the revision being rolled out, if any.
	// +optional
	Canary *RevisionStatus `json:"canary,omitempty"`
	// CurrentStep is the index in spec.rollout.steps of the running step.
	// +optional
	CurrentStep *int32 `json:"currentStep,omitempty"`
	// CanaryWeight is the canary's share of the replicas, in percent.
	// +optional
	CanaryWeight int32 `json:"canaryWeight"`
	// StepStartTime is when the current step's canary pods were all ready; analysis
	// time is counted from it.
	// +optional
	StepStartTime *metav1.Time `json:"stepStartTime,omitempty"`
	// StepSetTime is when the current step's weight was set; the progress deadline is
	// counted from it.
	// +optional
	StepSetTime *metav1.Time `json:"stepSetTime,omitempty"`
	// PassedAnalyses in the current step.
	// +optional
	PassedAnalyses int32 `json:"passedAnalyses,omitempty"`
	// FailedAnalyses in the current rollout.
	// +optional
	FailedAnalyses int32 `json:"failedAnalyses,omitempty"`
	// ConsecutiveInconclusive analyses in the current rollout.
	// +optional
	ConsecutiveInconclusive int32 `json:"consecutiveInconclusive,omitempty"`
	// FailedRevision is the revision last rolled back; it is not retried until the
	// spec changes or the user asks for a retry.
	// +optional
	FailedRevision string `json:"failedRevision,omitempty"`
	// Replicas is the number of server pods of both tracks.
	// +optional
	Replicas int32 `json:"replicas"`
	// ReadyReplicas is the number of ready server pods of both tracks.
	// +optional
	ReadyReplicas int32 `json:"readyReplicas"`
	// Selector of the server pods, for the scale subresource.
	// +optional
	Selector string `json:"selector,omitempty"`
	// LastAnalysis is the latest analysis of the canary.
	// +optional
	LastAnalysis *AnalysisResult `json:"lastAnalysis,omitempty"`
	// Analyses are the latest analyses of the current rollout, newest last, at most
	// 10: `kubectl interviewapi analyses NAME` shows them.
	// +optional
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	Analyses []AnalysisResult `json:"analyses,omitempty"`
	// Recommendation is the pool the operator advises from the windows it measured
	// of the pods, in a steady state and during rollouts.
	// +optional
	Recommendation *PoolRecommendation `json:"recommendation,omitempty"`
	// History of rollouts, newest last, at most 20.
	// +optional
	// +kubebuilder:validation:MaxItems=20
	// +listType=atomic
	History []HistoryEntry `json:"history,omitempty"`
	// Conditions: Available, Progressing, Degraded, RolledBack.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// InterviewAPI runs the interview API server and rolls changes of its database mode and
// pool settings out as a canary judged by pool health.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:subresource:scale:specpath=.spec.replicas,statuspath=.status.replicas,selectorpath=.status.selector
// +kubebuilder:resource:shortName=iapi,categories=all
// +kubebuilder:printcolumn:name="Mode",type=string,JSONPath=`.status.mode`
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Weight",type=integer,JSONPath=`.status.canaryWeight`
// +kubebuilder:printcolumn:name="Ready",type=integer,JSONPath=`.status.readyReplicas`
// +kubebuilder:printcolumn:name="Pool",type=string,JSONPath=`.status.pool`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type InterviewAPI struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   InterviewAPISpec   `json:"spec,omitempty"`
	Status InterviewAPIStatus `json:"status,omitempty"`
}

// InterviewAPIList is a list of InterviewAPI.
// +kubebuilder:object:root=true
type InterviewAPIList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []InterviewAPI `json:"items"`
}
