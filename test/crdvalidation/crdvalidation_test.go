// Package crdvalidation checks that the real API server, with the generated
// InterviewAPI CRD installed, rejects every invalid spec with a message naming the
// field and the rule, and fills the schema defaults into valid ones.
package crdvalidation

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/envtest"
)

// baseSpec is the smallest valid InterviewAPI: every case below changes one thing.
const baseSpec = `
apiVersion: apps.interviewapi.io/v1alpha1
kind: InterviewAPI
metadata:
  namespace: default
spec:
  image: registry.example/interviewapi-server:v0.1.0
  replicas: 2
  database:
    urlSecretRef: {name: interview-db, key: url}
`

type invalidCase struct {
	name string
	// patch is a JSON merge patch (written as YAML) applied to baseSpec; null removes.
	patch string
	// want are substrings the API server's message must contain: the field and the rule.
	want []string
}

func invalidCases() []invalidCase {
	return []invalidCase{
		{"pool size below 1", `{spec: {database: {pool: {size: 0}}}}`,
			[]string{"spec.database.pool.size", "greater than or equal to 1"}},
		{"pool size above 1000", `{spec: {database: {pool: {size: 1001}}}}`,
			[]string{"spec.database.pool.size", "less than or equal to 1000"}},
		{"negative max overflow", `{spec: {database: {pool: {maxOverflow: -1}}}}`,
			[]string{"spec.database.pool.maxOverflow", "greater than or equal to 0"}},
		{"pool timeout 0", `{spec: {database: {pool: {timeout: 0s}}}}`,
			[]string{"spec.database.pool.timeout", "must be more than 0s and at most 10m"}},
		{"pool timeout above 10m", `{spec: {database: {pool: {timeout: 10m1s}}}}`,
			[]string{"spec.database.pool.timeout", "must be more than 0s and at most 10m"}},
		{"pool timeout not a duration", `{spec: {database: {pool: {timeout: soon}}}}`,
			[]string{"spec.database.pool.timeout", "should match"}},
		{"recycle not a duration", `{spec: {database: {pool: {recycle: 1 day}}}}`,
			[]string{"spec.database.pool.recycle", "should match"}},
		{"negative recycle", `{spec: {database: {pool: {recycle: -1s}}}}`,
			[]string{"spec.database.pool.recycle", "must not be negative"}},
		{"weights decreasing", `{spec: {rollout: {steps: [{weight: 50}, {weight: 25}, {weight: 100}]}}}`,
			[]string{"spec.rollout.steps", "weights must be strictly increasing"}},
		{"weights repeated", `{spec: {rollout: {steps: [{weight: 50}, {weight: 50}, {weight: 100}]}}}`,
			[]string{"spec.rollout.steps", "weights must be strictly increasing"}},
		{"weight 0", `{spec: {rollout: {steps: [{weight: 0}, {weight: 100}]}}}`,
			[]string{"spec.rollout.steps[0].weight", "greater than or equal to 1"}},
		{"weight 101", `{spec: {rollout: {steps: [{weight: 50}, {weight: 101}]}}}`,
			[]string{"spec.rollout.steps[1].weight", "less than or equal to 100"}},
		{"last step not 100", `{spec: {rollout: {steps: [{weight: 25}, {weight: 50}]}}}`,
			[]string{"spec.rollout.steps", "the last step must have weight 100"}},
		{"no steps", `{spec: {rollout: {steps: []}}}`,
			[]string{"spec.rollout.steps", "should have at least 1 items"}},
		{"21 steps", fmt.Sprintf(`{spec: {rollout: {steps: %s}}}`, stepsYAML(21)),
			[]string{"spec.rollout.steps", "must have at most 20 items"}},
		{"negative step pause", `{spec: {rollout: {steps: [{weight: 100, pause: -1m}]}}}`,
			[]string{"spec.rollout.steps[0].pause", "must not be negative"}},
		{"analysis interval below 5s", `{spec: {rollout: {analysis: {interval: 4s}}}}`,
			[]string{"spec.rollout.analysis.interval", "must be at least 5s"}},
		{"failure limit 0", `{spec: {rollout: {analysis: {failureLimit: 0}}}}`,
			[]string{"spec.rollout.analysis.failureLimit", "greater than or equal to 1"}},
		{"inconclusive limit 0", `{spec: {rollout: {analysis: {inconclusiveLimit: 0}}}}`,
			[]string{"spec.rollout.analysis.inconclusiveLimit", "greater than or equal to 1"}},
		{"negative min acquires", `{spec: {rollout: {analysis: {minAcquires: -1}}}}`,
			[]string{"spec.rollout.analysis.minAcquires", "greater than or equal to 0"}},
		{"acquire-wait p99 threshold 0", `{spec: {rollout: {analysis: {thresholds: {maxAcquireWaitP99: 0s}}}}}`,
			[]string{"spec.rollout.analysis.thresholds.maxAcquireWaitP99", "must be more than 0s"}},
		{"utilisation threshold above 1", `{spec: {rollout: {analysis: {thresholds: {maxPoolUtilization: "1.5"}}}}}`,
			[]string{"spec.rollout.analysis.thresholds.maxPoolUtilization", "should match"}},
		{"timeout-ratio threshold negative", `{spec: {rollout: {analysis: {thresholds: {maxAcquireTimeoutRatio: "-0.1"}}}}}`,
			[]string{"spec.rollout.analysis.thresholds.maxAcquireTimeoutRatio", "should match"}},
		{"error-ratio threshold not a number", `{spec: {rollout: {analysis: {thresholds: {maxErrorRatio: "two percent"}}}}}`,
			[]string{"spec.rollout.analysis.thresholds.maxErrorRatio", "should match"}},
		{"p99-vs-stable factor negative", `{spec: {rollout: {analysis: {thresholds: {maxP99VsStable: "-1"}}}}}`,
			[]string{"spec.rollout.analysis.thresholds.maxP99VsStable", "should match"}},
		{"unknown judge", `{spec: {rollout: {analysis: {judge: Bayes}}}}`,
			[]string{"spec.rollout.analysis.judge", `supported values: "Compare", "Threshold"`}},
		{"sample interval below 1s", `{spec: {rollout: {analysis: {sampleInterval: 500ms}}}}`,
			[]string{"spec.rollout.analysis.sampleInterval", "must be at least 1s"}},
		{"sample interval longer than the interval", `{spec: {rollout: {analysis: {interval: 10s, sampleInterval: 11s}}}}`,
			[]string{"spec.rollout.analysis", "sampleInterval must not be longer than the interval"}},
		{"confidence 1", `{spec: {rollout: {analysis: {compare: {confidence: "1"}}}}}`,
			[]string{"spec.rollout.analysis.compare.confidence", "should match"}},
		{"confidence below one half", `{spec: {rollout: {analysis: {compare: {confidence: "0.4"}}}}}`,
			[]string{"spec.rollout.analysis.compare", "confidence must be at least 0.5"}},
		{"wait ratio below 1", `{spec: {rollout: {analysis: {compare: {minWaitRatio: "0.9"}}}}}`,
			[]string{"spec.rollout.analysis.compare", "minWaitRatio must be at least 1"}},
		{"rate ratio below 1", `{spec: {rollout: {analysis: {compare: {minRateRatio: "0.5"}}}}}`,
			[]string{"spec.rollout.analysis.compare", "minRateRatio must be at least 1"}},
		{"negative wait increase", `{spec: {rollout: {analysis: {compare: {minWaitIncrease: -1ms}}}}}`,
			[]string{"spec.rollout.analysis.compare.minWaitIncrease", "must not be negative"}},
		{"rate increase above 1", `{spec: {rollout: {analysis: {compare: {minRateIncrease: "2"}}}}}`,
			[]string{"spec.rollout.analysis.compare.minRateIncrease", "should match"}},
		{"dry run of an unknown check", `{spec: {rollout: {analysis: {dryRun: [latency]}}}}`,
			[]string{"spec.rollout.analysis.dryRun[0]", "supported values"}},
		{"dry run naming a check twice", `{spec: {rollout: {analysis: {dryRun: [errorRatio, errorRatio]}}}}`,
			[]string{"spec.rollout.analysis.dryRun[1]", "Duplicate value"}},
		{"prometheus address not http", `{spec: {rollout: {analysis: {prometheus: {address: "prometheus:9090"}}}}}`,
			[]string{"spec.rollout.analysis.prometheus.address", "should match"}},
		{"progress deadline below 10s", `{spec: {rollout: {progressDeadline: 5s}}}`,
			[]string{"spec.rollout.progressDeadline", "must be at least 10s"}},
		{"negative rollback window", `{spec: {rollout: {rollbackWindow: -1h}}}`,
			[]string{"spec.rollout.rollbackWindow", "must not be negative"}},
		{"unknown failure policy", `{spec: {rollout: {onFailure: Ignore}}}`,
			[]string{"spec.rollout.onFailure", `supported values: "Rollback", "Pause"`}},
		{"negative replicas", `{spec: {replicas: -1}}`,
			[]string{"spec.replicas", "greater than or equal to 0"}},
		{"empty image", `{spec: {image: ""}}`,
			[]string{"spec.image", "at least 1 chars long"}},
		{"blank image", `{spec: {image: "  "}}`,
			[]string{"spec.image", "must not be blank"}},
		{"no image", `{spec: {image: null}}`,
			[]string{"spec.image", "Required value"}},
		{"no database", `{spec: {database: null}}`,
			[]string{"spec.database", "Required value"}},
		{"secret ref without name", `{spec: {database: {urlSecretRef: {name: null}}}}`,
			[]string{"spec.database.urlSecretRef.name", "Required value"}},
		{"secret ref without key", `{spec: {database: {urlSecretRef: {key: null}}}}`,
			[]string{"spec.database.urlSecretRef.key", "Required value"}},
		{"secret ref with empty name", `{spec: {database: {urlSecretRef: {name: ""}}}}`,
			[]string{"spec.database.urlSecretRef.name", "at least 1 chars long"}},
		{"max server connections 0", `{spec: {database: {maxServerConnections: 0}}}`,
			[]string{"spec.database.maxServerConnections", "greater than or equal to 1"}},
		// Each pod counts pool.size + pool.maxOverflow + 3 (v1alpha1.ServerConnectionsOutsidePool).
		{"max server connections below replicas × pool with defaults",
			`{spec: {replicas: 4, database: {maxServerConnections: 211}}}`,
			[]string{"spec.database.maxServerConnections", "must be at least replicas × (pool.size + pool.maxOverflow + 3)"}},
		{"max server connections below replicas × pool",
			`{spec: {replicas: 3, database: {maxServerConnections: 20, pool: {size: 5, maxOverflow: 2}}}}`,
			[]string{"spec.database.maxServerConnections", "must be at least replicas × (pool.size + pool.maxOverflow + 3)"}},
		{"max server connections below default replicas × pool",
			`{spec: {replicas: null, database: {maxServerConnections: 105}}}`,
			[]string{"spec.database.maxServerConnections", "must be at least replicas × (pool.size + pool.maxOverflow + 3)"}},
		{"notification with url and secret", `{spec: {rollout: {notifications: [{type: Webhook, url: "http://hooks.ops.svc/x", urlSecretRef: {name: s, key: k}}]}}}`,
			[]string{"spec.rollout.notifications[0]", "set exactly one of url and urlSecretRef"}},
		{"notification with neither url nor secret", `{spec: {rollout: {notifications: [{type: Slack}]}}}`,
			[]string{"spec.rollout.notifications[0]", "set exactly one of url and urlSecretRef"}},
		{"notification of an unknown type", `{spec: {rollout: {notifications: [{type: Email, url: "http://a.svc"}]}}}`,
			[]string{"spec.rollout.notifications[0].type", `supported values: "Webhook", "Slack"`}},
		{"notification url not http", `{spec: {rollout: {notifications: [{type: Webhook, url: "ftp://a.svc/x"}]}}}`,
			[]string{"spec.rollout.notifications[0].url", "should match"}},
		{"notification secret without key", `{spec: {rollout: {notifications: [{type: Slack, urlSecretRef: {name: s}}]}}}`,
			[]string{"spec.rollout.notifications[0].urlSecretRef.key", "Required value"}},
		{"11 notifications", fmt.Sprintf(`{spec: {rollout: {notifications: [%s]}}}`, strings.TrimSuffix(strings.Repeat(`{type: Webhook, url: "http://a.svc"},`, 11), ",")),
			[]string{"spec.rollout.notifications", "must have at most 10 items"}},
	}
}

// stepsYAML is n steps with weights increasing to 100, as a YAML flow sequence.
func stepsYAML(n int) string {
	steps := make([]string, n)
	for i := range n {
		steps[i] = fmt.Sprintf("{weight: %d}", 100-(n-1-i))
	}
	return "[" + strings.Join(steps, ", ") + "]"
}

func TestCRDValidation(t *testing.T) {
	e := envtest.Start(t)
	t.Run("rejects", func(t *testing.T) { testRejects(t, e) })
	t.Run("accepts with defaults", func(t *testing.T) { testAcceptsWithDefaults(t, e) })
	t.Run("accepts bounds", func(t *testing.T) { testAcceptsBounds(t, e) })
}

func testRejects(t *testing.T, e *envtest.Env) {
	cases := invalidCases()
	if len(cases) < 20 {
		t.Fatalf("only %d invalid cases: the table must cover every rule", len(cases))
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := object(t, fmt.Sprintf("invalid-%d", i), tc.patch)
			err := e.Client.Create(context.Background(), obj, client.DryRunAll)
			if err == nil {
				t.Fatalf("the API server accepted an invalid InterviewAPI (%s)", tc.patch)
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want an Invalid error, got %v", err)
			}
			t.Log(err)
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message does not contain %q:\n%v", want, err)
				}
			}
		})
	}
}

func testAcceptsWithDefaults(t *testing.T, e *envtest.Env) {
	obj := object(t, "defaults", "{}")
	ctx := context.Background()
	if err := e.Client.Create(ctx, obj); err != nil {
		t.Fatalf("create the smallest valid InterviewAPI: %v", err)
	}
	var got iapiv1alpha1.InterviewAPI
	if err := e.Client.Get(ctx, client.ObjectKeyFromObject(obj), &got); err != nil {
		t.Fatal(err)
	}
	s := got.Spec
	pool := s.Database.Pool
	checks := []struct {
		field     string
		got, want any
	}{
		{"replicas", deref(s.Replicas), int32(2)},
		{"database.pool.size", pool.Size, int32(20)},
		{"database.pool.maxOverflow", deref(pool.MaxOverflow), int32(30)},
		{"database.pool.timeout", durationOf(pool.Timeout), 30 * time.Second},
		{"database.pool.recycle", durationOf(pool.Recycle), time.Hour},
		{"database.async.enabled", s.Database.Async.Enabled, false},
		{"monitoring.enabled", deref(s.Monitoring.Enabled), true},
		{"rollout.steps", stepsString(s.Rollout.Steps), "25/1m0s 50/1m0s 100/-"},
		{"rollout.analysis.interval", durationOf(s.Rollout.Analysis.Interval), 30 * time.Second},
		{"rollout.analysis.failureLimit", s.Rollout.Analysis.FailureLimit, int32(1)},
		{"rollout.analysis.inconclusiveLimit", s.Rollout.Analysis.InconclusiveLimit, int32(3)},
		{"rollout.analysis.minAcquires", deref(s.Rollout.Analysis.MinAcquires), int32(20)},
		{"rollout.analysis.thresholds.maxAcquireWaitP99", durationOf(s.Rollout.Analysis.Thresholds.MaxAcquireWaitP99), 100 * time.Millisecond},
		{"rollout.analysis.thresholds.maxPoolUtilization", s.Rollout.Analysis.Thresholds.MaxPoolUtilization, "0.9"},
		{"rollout.analysis.thresholds.maxAcquireTimeoutRatio", s.Rollout.Analysis.Thresholds.MaxAcquireTimeoutRatio, "0.01"},
		{"rollout.analysis.thresholds.maxErrorRatio", s.Rollout.Analysis.Thresholds.MaxErrorRatio, "0.02"},
		{"rollout.analysis.thresholds.maxP99VsStable", s.Rollout.Analysis.Thresholds.MaxP99VsStable, "2"},
		{"rollout.analysis.judge", s.Rollout.Analysis.Judge, iapiv1alpha1.JudgeCompare},
		{"rollout.analysis.sampleInterval", durationOf(s.Rollout.Analysis.SampleInterval), time.Second},
		{"rollout.analysis.compare.confidence", s.Rollout.Analysis.Compare.Confidence, "0.99"},
		{"rollout.analysis.compare.minWaitRatio", s.Rollout.Analysis.Compare.MinWaitRatio, "1.5"},
		{"rollout.analysis.compare.minWaitIncrease", durationOf(s.Rollout.Analysis.Compare.MinWaitIncrease), 5 * time.Millisecond},
		{"rollout.analysis.compare.minRateRatio", s.Rollout.Analysis.Compare.MinRateRatio, "2"},
		{"rollout.analysis.compare.minRateIncrease", s.Rollout.Analysis.Compare.MinRateIncrease, "0.005"},
		{"rollout.analysis.compare.minUtilizationIncrease", s.Rollout.Analysis.Compare.MinUtilizationIncrease, "0.2"},
		{"rollout.progressDeadline", durationOf(s.Rollout.ProgressDeadline), 10 * time.Minute},
		{"rollout.onFailure", s.Rollout.OnFailure, iapiv1alpha1.FailureRollback},
		{"rollout.rollbackWindow", durationOf(s.Rollout.RollbackWindow), 24 * time.Hour},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("spec.%s = %v, want the default %v", c.field, c.got, c.want)
		}
	}
}

// testAcceptsBounds creates objects right at every limit: the rules must not reject
// the values they document as allowed.
func testAcceptsBounds(t *testing.T, e *envtest.Env) {
	cases := []struct{ name, patch string }{
		{"pool at its limits", `{spec: {database: {pool: {size: 1000, maxOverflow: 0, timeout: 10m, recycle: 0s}}}}`},
		{"smallest pool and timeout", `{spec: {database: {pool: {size: 1, timeout: 1ms}}}}`},
		{"zero replicas", `{spec: {replicas: 0}}`},
		{"one step of 100", `{spec: {rollout: {steps: [{weight: 100}]}}}`},
		{"20 steps", fmt.Sprintf(`{spec: {rollout: {steps: %s}}}`, stepsYAML(20))},
		{"thresholds at their limits", `{spec: {rollout: {analysis: {interval: 5s, minAcquires: 0, thresholds: {maxPoolUtilization: "1", maxAcquireTimeoutRatio: "0", maxErrorRatio: "1.0", maxP99VsStable: "0"}}}}}`},
		{"compare judge at its limits", `{spec: {rollout: {analysis: {judge: Compare, interval: 5s, sampleInterval: 5s, dryRun: [acquireWaitP99, acquireTimeoutRatio, errorRatio, poolUtilization], compare: {confidence: "0.5", minWaitRatio: "1", minWaitIncrease: 0s, minRateRatio: "1", minRateIncrease: "0", minUtilizationIncrease: "1"}}}}}`},
		{"threshold judge", `{spec: {rollout: {analysis: {judge: Threshold, sampleInterval: 1s, compare: {confidence: "0.999"}}}}}`},
		{"budget exactly replicas × connections per pod", `{spec: {replicas: 4, database: {maxServerConnections: 212}}}`},
		{"budget with zero replicas", `{spec: {replicas: 0, database: {maxServerConnections: 1}}}`},
		{"notifications by url and by secret", `{spec: {rollout: {notifications: [{type: Webhook, url: "http://hooks.ops.svc:8080/rollouts"}, {type: Slack, urlSecretRef: {name: slack, key: url}}]}}}`},
		{"pause on failure with prometheus", `{spec: {rollout: {onFailure: Pause, analysis: {prometheus: {address: "http://prometheus.monitoring:9090"}}}}}`},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := object(t, fmt.Sprintf("valid-%d", i), tc.patch)
			if err := e.Client.Create(context.Background(), obj, client.DryRunAll); err != nil {
				t.Fatalf("a valid InterviewAPI was rejected (%s): %v", tc.patch, err)
			}
		})
	}
}

// object is baseSpec with a merge patch applied, named name.
func object(t *testing.T, name, patch string) *unstructured.Unstructured {
	t.Helper()
	var base, p map[string]any
	if err := yaml.Unmarshal([]byte(baseSpec), &base); err != nil {
		t.Fatalf("base spec: %v", err)
	}
	if err := yaml.Unmarshal([]byte(patch), &p); err != nil {
		t.Fatalf("patch %s: %v", patch, err)
	}
	u := &unstructured.Unstructured{Object: mergePatch(base, p)}
	u.SetName(name)
	return u
}

// mergePatch applies a JSON merge patch (RFC 7386) to doc.
func mergePatch(doc, patch map[string]any) map[string]any {
	for k, v := range patch {
		if v == nil {
			delete(doc, k)
			continue
		}
		pm, isMap := v.(map[string]any)
		dm, docIsMap := doc[k].(map[string]any)
		if isMap && docIsMap {
			doc[k] = mergePatch(dm, pm)
			continue
		}
		if isMap {
			doc[k] = mergePatch(map[string]any{}, pm)
			continue
		}
		doc[k] = v
	}
	return doc
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func durationOf(d *metav1.Duration) any {
	if d == nil {
		return nil
	}
	return d.Duration
}

func stepsString(steps []iapiv1alpha1.RolloutStep) string {
	parts := make([]string, len(steps))
	for i, s := range steps {
		pause := "-"
		if s.Pause != nil {
			pause = s.Pause.Duration.String()
		}
		parts[i] = fmt.Sprintf("%d/%s", s.Weight, pause)
	}
	return strings.Join(parts, " ")
}
