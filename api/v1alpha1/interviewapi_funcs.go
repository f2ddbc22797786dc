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
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Defaults of the fields the API server fills in from the schema. They are repeated
// here for objects built in Go without passing the API server (unit tests, the plugin),
// and a test checks them against the generated CRD.
const (
	DefaultReplicas          int32 = 2
	DefaultPoolSize          int32 = 20
	DefaultPoolMaxOverflow   int32 = 30
	DefaultPoolTimeout             = 30 * time.Second
	DefaultPoolRecycle             = time.Hour
	DefaultAnalysisInterval        = 30 * time.Second
	DefaultFailureLimit      int32 = 1
	DefaultInconclusiveLimit int32 = 3
	DefaultMinAcquires       int32 = 20
	DefaultProgressDeadline        = 10 * time.Minute
	DefaultRollbackWindow          = 24 * time.Hour
	DefaultMaxAcquireWaitP99       = 100 * time.Millisecond

	// The ratio thresholds, as the decimal strings the schema holds.
	DefaultMaxPoolUtilization     = "0.9"
	DefaultMaxAcquireTimeoutRatio = "0.01"
	DefaultMaxErrorRatio          = "0.02"
	DefaultMaxP99VsStable         = "2"
)

// DefaultRolloutSteps are the steps of spec.rollout.steps when none are given: 25 %
// and 50 % for a minute each, then 100 %.
func DefaultRolloutSteps() []RolloutStep {
	minute := func() *metav1.Duration { return &metav1.Duration{Duration: time.Minute} }
	return []RolloutStep{{Weight: 25, Pause: minute()}, {Weight: 50, Pause: minute()}, {Weight: 100}}
}

// ReplicasOrDefault is spec.replicas with its default.
func (s *InterviewAPISpec) ReplicasOrDefault() int32 {
	if s.Replicas == nil {
		return DefaultReplicas
	}
	return *s.Replicas
}

// MonitoringEnabled is spec.monitoring.enabled with its default.
func (s *InterviewAPISpec) MonitoringEnabled() bool {
	return s.Monitoring.Enabled == nil || *s.Monitoring.Enabled
}

// SizeOrDefault is the pool size with its default.
func (p PoolSpec) SizeOrDefault() int32 {
	if p.Size == 0 {
		return DefaultPoolSize
	}
	return p.Size
}

// MaxOverflowOrDefault is the pool overflow with its default.
func (p PoolSpec) MaxOverflowOrDefault() int32 {
	if p.MaxOverflow == nil {
		return DefaultPoolMaxOverflow
	}
	return *p.MaxOverflow
}

// TimeoutOrDefault is the acquire timeout with its default.
func (p PoolSpec) TimeoutOrDefault() time.Duration {
	if p.Timeout == nil {
		return DefaultPoolTimeout
	}
	return p.Timeout.Duration
}

// RecycleOrDefault is the connection lifetime with its default.
func (p PoolSpec) RecycleOrDefault() time.Duration {
	if p.Recycle == nil {
		return DefaultPoolRecycle
	}
	return p.Recycle.Duration
}

// ServerConnectionsOutsidePool are the database connections a server pod opens beside
// its pool: one for the readiness probe, which must not queue behind a full pool
// (internal/store/probe.go), and two for the migrations it applies at start, the
// advisory-lock session and the migration itself (internal/store/migrate.go). The CRD's
// rule on maxServerConnections states the same 3 (interviewapi_types.go); a PostgreSQL
// test measures a pod against it (internal/app, TestConnectionsPerPodWithinBudget).
const ServerConnectionsOutsidePool = 3

// ConnectionsPerPod is the most database connections one server pod of this pool may
// open: size + maxOverflow for the pool, plus ServerConnectionsOutsidePool. It is what
// the connection budget (spec.database.maxServerConnections) counts a pod as.
func (p PoolSpec) ConnectionsPerPod() int32 {
	return p.SizeOrDefault() + p.MaxOverflowOrDefault() + ServerConnectionsOutsidePool
}

// Normalized returns the pool with every default filled in, so that two specs that
// mean the same pool compare and hash equal.
func (p PoolSpec) Normalized() PoolSpec {
	overflow := p.MaxOverflowOrDefault()
	return PoolSpec{
		Size:        p.SizeOrDefault(),
		MaxOverflow: &overflow,
		Timeout:     &metav1.Duration{Duration: p.TimeoutOrDefault()},
		Recycle:     &metav1.Duration{Duration: p.RecycleOrDefault()},
	}
}

// String is the pool in one short form: size+overflow/timeout/recycle, such as
// "20+30/30s/1h" (the Pool printer column).
func (p PoolSpec) String() string {
	return fmt.Sprintf("%d+%d/%s/%s", p.SizeOrDefault(), p.MaxOverflowOrDefault(),
		ShortDuration(p.TimeoutOrDefault()), ShortDuration(p.RecycleOrDefault()))
}

// ShortDuration is d as Go writes it without the zero units Go appends: "1h" rather
// than "1h0m0s", "1m" rather than "1m0s"; "1h0m5s" and "500ms" are kept as they are.
func ShortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// ModeName is "async" or "sync".
func ModeName(async bool) string {
	if async {
		return "async"
	}
	return "sync"
}

// DesiredRevision is the revision the spec asks for: its async toggle and pool.
func (s *InterviewAPISpec) DesiredRevision() RevisionStatus {
	return NewRevision(s.Database.Async.Enabled, s.Database.Pool)
}

// NewRevision builds a revision and its hash from a mode and a pool.
func NewRevision(async bool, pool PoolSpec) RevisionStatus {
	pool = pool.Normalized()
	return RevisionStatus{Revision: RevisionHash(async, pool), Async: async, Pool: pool}
}

// RevisionHash identifies a database revision: a change of either field is a change of
// revision, and nothing else is.
func RevisionHash(async bool, pool PoolSpec) string {
	pool = pool.Normalized()
	b, _ := json.Marshal(struct {
		Async       bool   `json:"async"`
		Size        int32  `json:"size"`
		MaxOverflow int32  `json:"maxOverflow"`
		Timeout     string `json:"timeout"`
		Recycle     string `json:"recycle"`
	}{async, pool.Size, *pool.MaxOverflow, pool.Timeout.Duration.String(), pool.Recycle.Duration.String()})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:10]
}

// Ratio parses one of the decimal ratio thresholds; the CRD pattern guarantees the form.
func Ratio(s string, def float64) float64 {
	if s == "" {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return def
	}
	return v
}

// StableName is the name of the Deployment running the stable revision.
func (in *InterviewAPI) StableName() string { return in.Name + "-stable" }

// CanaryName is the name of the Deployment running the canary revision.
func (in *InterviewAPI) CanaryName() string { return in.Name + "-canary" }

// SelectorLabels select every server pod of the instance, both tracks.
func (in *InterviewAPI) SelectorLabels() map[string]string {
	return map[string]string{LabelName: ServerName, LabelInstance: in.Name}
}

// Condition returns the status condition of a type, or nil.
func (in *InterviewAPI) Condition(t string) *metav1.Condition {
	return meta.FindStatusCondition(in.Status.Conditions, t)
}

// RanAsStable reports whether a history outcome means its revision then ran on the
// stable track: the first revision, a promotion, or a fast rollback to it. Such a
// revision is a target of fast rollback (the operator) and of `kubectl interviewapi
// rollback` (the plugin).
func RanAsStable(outcome string) bool {
	switch outcome {
	case OutcomeInitial, OutcomePromoted, OutcomeFastRollback:
		return true
	}
	return false
}

// RevisionStatus is the revision a history entry names.
func (e HistoryEntry) RevisionStatus() RevisionStatus {
	return RevisionStatus{Revision: e.Revision, Async: e.Async, Pool: e.Pool}
}
