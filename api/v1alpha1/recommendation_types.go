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

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// PoolRecommendation is the pool size and overflow per server pod the operator advises
// from what it measured of the pods' pools: Little's law at the 99th percentile of the
// connections in use, with headroom for a burst, cut to the connection budget with a
// rollout's surge pod (docs/rollouts.md, "Pool-size advice"). Without enough data it
// carries no size, and its reason says what is missing.
// `kubectl interviewapi recommend NAME` explains it and `--apply` sets it.
type PoolRecommendation struct {
	// Time is when the window the advice rests on was measured.
	Time metav1.Time `json:"time"`
	// Mode is the database engine the measured pods ran: sync or async.
	// +optional
	Mode string `json:"mode,omitempty"`
	// Size is the advised spec.database.pool.size; absent with too little data.
	// +optional
	Size *int32 `json:"size,omitempty"`
	// MaxOverflow is the advised spec.database.pool.maxOverflow; absent with Size.
	// +optional
	MaxOverflow *int32 `json:"maxOverflow,omitempty"`
	// Reason explains the advice in one sentence, or says why there is none.
	// +kubebuilder:validation:MaxLength=2048
	Reason string `json:"reason"`
	// Saturated is set when the measured pool hid part of the demand in its queue
	// (90 % in use or timeouts), so the advice at least doubles it.
	// +optional
	Saturated bool `json:"saturated,omitempty"`
	// Capped is set when spec.database.maxServerConnections cut the advice.
	// +optional
	Capped bool `json:"capped,omitempty"`
	// BasedOn is the window the advice rests on.
	// +optional
	BasedOn *RecommendationBasis `json:"basedOn,omitempty"`
}

// RecommendationBasis is what one measured window said of one track's pods.
type RecommendationBasis struct {
	// Track is the pods measured: stable, or canary during a rollout.
	Track string `json:"track"`
	// Pool is the pool those pods ran, size+maxOverflow.
	Pool string `json:"pool"`
	// Window is how long the measured window was.
	Window metav1.Duration `json:"window"`
	// Pods is how many pods the window covers.
	Pods int32 `json:"pods"`
	// Samples is the number of connection acquires in the window.
	Samples int64 `json:"samples"`
	// Rate is λ, acquires per second per pod.
	Rate string `json:"rate"`
	// HoldTime is W, how long an acquired connection was held on average (L / λ).
	HoldTime metav1.Duration `json:"holdTime"`
	// Concurrency is the demand in connections per pod: the mean in use (L = λ·W),
	// raised by the share of acquires that timed out.
	Concurrency string `json:"concurrency"`
	// P99Concurrency is the 99th percentile of the connections in use per pod (a
	// Poisson law of mean Concurrency), the advised size before the budget.
	P99Concurrency int32 `json:"p99Concurrency"`
}
