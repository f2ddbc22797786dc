package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"
)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// TestConfigurationDocIsCurrent fails when docs/configuration.md differs from what the
// CRD and the charts' schemas and values generate: run `make docs` and commit.
func TestConfigurationDocIsCurrent(t *testing.T) {
	want, err := generate(repoRoot())
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(filepath.Join(repoRoot(), outputPath))
	if err != nil {
		t.Fatalf("%v: run `make docs`", err)
	}
	if !bytes.Equal(have, want) {
		t.Fatalf("%s is stale: run `make docs` (go run ./hack/gendocs) and commit it", outputPath)
	}
}

// TestDocumentsEveryField: each spec field and each chart value has a row.
func TestDocumentsEveryField(t *testing.T) {
	doc, err := generate(repoRoot())
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range []string{
		"| `spec.database.pool.size` | integer (int32) | `20` | min 1; max 1000 |",
		"| `spec.rollout.steps[].weight` |",
		"| `spec.rollout.progressDeadline` | duration | `\"10m\"` |",
		"| `crds.install` | boolean | `true` |",
		"| `watchNamespaces` | []string | `[]` |",
		"| `spec` | InterviewAPI spec",
	} {
		if !bytes.Contains(doc, []byte(row)) {
			t.Errorf("no row starting %q", row)
		}
	}
}

func TestCRDValidation(t *testing.T) {
	cases := []struct {
		name     string
		in       apiextensionsv1.JSONSchemaProps
		required bool
		want     string
	}{
		{"nothing", apiextensionsv1.JSONSchemaProps{Type: "string"}, false, ""},
		{"bounds", apiextensionsv1.JSONSchemaProps{Type: "integer", Minimum: ptr.To(1.0), Maximum: ptr.To(1000.0)}, true, "required; min 1; max 1000"},
		{"enum", apiextensionsv1.JSONSchemaProps{Enum: []apiextensionsv1.JSON{{Raw: []byte(`"Rollback"`)}, {Raw: []byte(`"Pause"`)}}}, false, "one of `\"Rollback\", \"Pause\"`"},
		{"duration", apiextensionsv1.JSONSchemaProps{Type: "string", Pattern: `^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))+)$`}, false, "a Go duration such as `30s`, `1m30s` or `1h`"},
		{"items and rules", apiextensionsv1.JSONSchemaProps{Type: "array", MinItems: ptr.To[int64](1), MaxItems: ptr.To[int64](20),
			XValidations: apiextensionsv1.ValidationRules{{Rule: "true"}}}, false, "min items 1; max items 20; 1 rule(s) below"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := crdValidation(c.in, c.required); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
