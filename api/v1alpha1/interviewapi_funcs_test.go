package v1alpha1

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// crdSpecSchema is the openAPIV3Schema of spec in the generated CRD.
func crdSpecSchema(t *testing.T) apiextensionsv1.JSONSchemaProps {
	t.Helper()
	path := filepath.Join("..", "..", "config", "crd", "bases", "apps.interviewapi.io_interviewapis.yaml")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the generated CRD (run `make manifests`): %v", err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(raw, &crd); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != GroupVersion.Version {
		t.Fatalf("the CRD should serve exactly %s, got %d versions", GroupVersion.Version, len(crd.Spec.Versions))
	}
	return crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"]
}

// schemaDefault is the default of the property at a dotted path under spec, as JSON.
func schemaDefault(t *testing.T, spec apiextensionsv1.JSONSchemaProps, path string) string {
	t.Helper()
	s := spec
	for _, name := range strings.Split(path, ".") {
		child, ok := s.Properties[name]
		if !ok {
			t.Fatalf("spec.%s: no property %q in the CRD schema", path, name)
		}
		s = child
	}
	if s.Default == nil {
		t.Fatalf("spec.%s has no default in the CRD schema", path)
	}
	return string(s.Default.Raw)
}

// The Go defaults (used for objects that never passed the API server) must be the ones
// the API server fills in from the schema.
func TestGoDefaultsMatchCRDSchema(t *testing.T) {
	spec := crdSpecSchema(t)
	duration := func(d time.Duration) metav1.Duration { return metav1.Duration{Duration: d} }
	var empty InterviewAPISpec
	pool := empty.Database.Pool
	cases := []struct {
		path string
		want any // the Go default, of the field's Go type
	}{
		{"replicas", empty.ReplicasOrDefault()},
		{"database.pool.size", pool.SizeOrDefault()},
		{"database.pool.maxOverflow", pool.MaxOverflowOrDefault()},
		{"database.pool.timeout", duration(pool.TimeoutOrDefault())},
		{"database.pool.recycle", duration(pool.RecycleOrDefault())},
		{"database.async.enabled", empty.Database.Async.Enabled},
		{"monitoring.enabled", empty.MonitoringEnabled()},
		{"rollout.steps", DefaultRolloutSteps()},
		{"rollout.analysis.interval", duration(DefaultAnalysisInterval)},
		{"rollout.analysis.failureLimit", DefaultFailureLimit},
		{"rollout.analysis.inconclusiveLimit", DefaultInconclusiveLimit},
		{"rollout.analysis.minAcquires", DefaultMinAcquires},
		{"rollout.analysis.thresholds.maxAcquireWaitP99", duration(DefaultMaxAcquireWaitP99)},
		{"rollout.analysis.thresholds.maxPoolUtilization", DefaultMaxPoolUtilization},
		{"rollout.analysis.thresholds.maxAcquireTimeoutRatio", DefaultMaxAcquireTimeoutRatio},
		{"rollout.analysis.thresholds.maxErrorRatio", DefaultMaxErrorRatio},
		{"rollout.analysis.thresholds.maxP99VsStable", DefaultMaxP99VsStable},
		{"rollout.analysis.judge", DefaultJudge},
		{"rollout.analysis.sampleInterval", duration(DefaultSampleInterval)},
		{"rollout.analysis.compare.confidence", DefaultConfidence},
		{"rollout.analysis.compare.minWaitRatio", DefaultMinWaitRatio},
		{"rollout.analysis.compare.minWaitIncrease", duration(DefaultMinWaitIncrease)},
		{"rollout.analysis.compare.minRateRatio", DefaultMinRateRatio},
		{"rollout.analysis.compare.minRateIncrease", DefaultMinRateIncrease},
		{"rollout.analysis.compare.minUtilizationIncrease", DefaultMinUtilizationIncrease},
		{"rollout.progressDeadline", duration(DefaultProgressDeadline)},
		{"rollout.onFailure", FailureRollback},
		{"rollout.rollbackWindow", duration(DefaultRollbackWindow)},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			raw := schemaDefault(t, spec, tc.path)
			got := reflect.New(reflect.TypeOf(tc.want))
			if err := json.Unmarshal([]byte(raw), got.Interface()); err != nil {
				t.Fatalf("CRD default of spec.%s (%s) does not decode as %T: %v", tc.path, raw, tc.want, err)
			}
			if !equality.Semantic.DeepEqual(got.Elem().Interface(), tc.want) {
				t.Errorf("CRD default of spec.%s is %s, Go default is %+v", tc.path, raw, tc.want)
			}
		})
	}
}

// The ratio thresholds' schema defaults must parse with Ratio, or the analysis would
// silently use its fallback.
func TestRatioDefaultsParse(t *testing.T) {
	spec := crdSpecSchema(t)
	for _, name := range []string{"maxPoolUtilization", "maxAcquireTimeoutRatio", "maxErrorRatio", "maxP99VsStable"} {
		var s string
		if err := json.Unmarshal([]byte(schemaDefault(t, spec, "rollout.analysis.thresholds."+name)), &s); err != nil {
			t.Fatalf("%s: default is not a string: %v", name, err)
		}
		if got := Ratio(s, -1); got < 0 {
			t.Errorf("%s: default %q does not parse as a ratio", name, s)
		}
	}
}

func TestPoolNormalizedAndString(t *testing.T) {
	cases := []struct {
		name string
		pool PoolSpec
		want string
	}{
		{"empty pool takes every default", PoolSpec{}, "20+30/30s/1h"},
		{"explicit defaults", PoolSpec{Size: 20, MaxOverflow: ptr.To[int32](30),
			Timeout: &metav1.Duration{Duration: 30 * time.Second}, Recycle: &metav1.Duration{Duration: time.Hour}}, "20+30/30s/1h"},
		{"zero overflow is kept", PoolSpec{Size: 5, MaxOverflow: ptr.To[int32](0)}, "5+0/30s/1h"},
		{"sub-second timeout", PoolSpec{Size: 1, Timeout: &metav1.Duration{Duration: 500 * time.Millisecond}}, "1+30/500ms/1h"},
		{"recycle off", PoolSpec{Recycle: &metav1.Duration{}}, "20+30/30s/0s"},
		{"mixed units", PoolSpec{Timeout: &metav1.Duration{Duration: 90 * time.Second},
			Recycle: &metav1.Duration{Duration: 90 * time.Minute}}, "20+30/1m30s/1h30m"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.pool.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
			n := tc.pool.Normalized()
			if n.MaxOverflow == nil || n.Timeout == nil || n.Recycle == nil || n.Size == 0 {
				t.Fatalf("Normalized() left a field unset: %+v", n)
			}
			if got := n.String(); got != tc.want {
				t.Errorf("Normalized().String() = %q, want %q", got, tc.want)
			}
			if got, want := n.ConnectionsPerPod(), tc.pool.SizeOrDefault()+tc.pool.MaxOverflowOrDefault()+3; got != want {
				t.Errorf("ConnectionsPerPod() = %d, want %d (pool, probe, migrations)", got, want)
			}
		})
	}
}

func TestShortDuration(t *testing.T) {
	cases := map[time.Duration]string{
		0:                                   "0s",
		500 * time.Millisecond:              "500ms",
		30 * time.Second:                    "30s",
		time.Minute:                         "1m",
		time.Hour:                           "1h",
		24 * time.Hour:                      "24h",
		time.Hour + 30*time.Minute:          "1h30m",
		time.Hour + 5*time.Second:           "1h0m5s",
		10*time.Minute + 10*time.Second:     "10m10s",
		1500 * time.Microsecond:             "1.5ms",
		time.Hour + 20*time.Millisecond:     "1h0m0.02s",
		2*time.Minute + 30*time.Millisecond: "2m0.03s",
	}
	for d, want := range cases {
		if got := ShortDuration(d); got != want {
			t.Errorf("ShortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// A revision is the async toggle and the pool, and nothing else; equal pools written
// differently are the same revision.
func TestRevisionHash(t *testing.T) {
	base := RevisionHash(false, PoolSpec{})
	same := []struct {
		name  string
		async bool
		pool  PoolSpec
	}{
		{"explicit defaults", false, PoolSpec{Size: 20, MaxOverflow: ptr.To[int32](30),
			Timeout: &metav1.Duration{Duration: 30 * time.Second}, Recycle: &metav1.Duration{Duration: time.Hour}}},
		{"timeout in another unit", false, PoolSpec{Timeout: &metav1.Duration{Duration: 30000 * time.Millisecond}}},
	}
	for _, tc := range same {
		if got := RevisionHash(tc.async, tc.pool); got != base {
			t.Errorf("%s: hash %s, want the default revision's %s", tc.name, got, base)
		}
	}
	different := []struct {
		name  string
		async bool
		pool  PoolSpec
	}{
		{"async", true, PoolSpec{}},
		{"size", false, PoolSpec{Size: 21}},
		{"overflow", false, PoolSpec{MaxOverflow: ptr.To[int32](0)}},
		{"timeout", false, PoolSpec{Timeout: &metav1.Duration{Duration: time.Second}}},
		{"recycle", false, PoolSpec{Recycle: &metav1.Duration{Duration: time.Minute}}},
	}
	seen := map[string]string{base: "defaults"}
	for _, tc := range different {
		got := RevisionHash(tc.async, tc.pool)
		if prev, dup := seen[got]; dup {
			t.Errorf("%s: hash %s equals the one of %s", tc.name, got, prev)
		}
		seen[got] = tc.name
		if len(got) != 10 {
			t.Errorf("%s: hash %q is not 10 characters", tc.name, got)
		}
	}
	spec := InterviewAPISpec{Image: "a", Database: DatabaseSpec{Async: AsyncSpec{Enabled: true}}}
	rev := spec.DesiredRevision()
	spec.Image, spec.Replicas = "b", ptr.To[int32](9)
	if again := spec.DesiredRevision(); again.Revision != rev.Revision {
		t.Errorf("image or replicas changed the revision: %s → %s", rev.Revision, again.Revision)
	}
	if !rev.Async || rev.Pool.Size != DefaultPoolSize {
		t.Errorf("DesiredRevision() = %+v, want async with the default pool", rev)
	}
}

func TestNamesAndSelector(t *testing.T) {
	in := &InterviewAPI{ObjectMeta: metav1.ObjectMeta{Name: "interview"}}
	if got := in.StableName(); got != "interview-stable" {
		t.Errorf("StableName() = %q", got)
	}
	if got := in.CanaryName(); got != "interview-canary" {
		t.Errorf("CanaryName() = %q", got)
	}
	sel := in.SelectorLabels()
	if len(sel) != 2 || sel[LabelName] != ServerName || sel[LabelInstance] != "interview" {
		t.Errorf("SelectorLabels() = %v: want exactly name and instance, so both tracks match", sel)
	}
	if ModeName(true) != "async" || ModeName(false) != "sync" {
		t.Errorf("ModeName: %q %q", ModeName(true), ModeName(false))
	}
}
