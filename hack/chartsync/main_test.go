package main

import (
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/utils/ptr"
)

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// TestChartsAreInSync fails when a chart's copy of the CRD, the generated ClusterRole,
// a dashboard or the alert rules differs from its source under config/: run
// `make chart-sync` (after `make manifests`) and commit the result.
func TestChartsAreInSync(t *testing.T) {
	if err := run(repoRoot(), true); err != nil {
		t.Fatal(err)
	}
}

func TestValidateRole(t *testing.T) {
	const header = "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: manager-role\nrules:\n"
	cases := []struct {
		name, yaml, wantErr string
	}{
		{"deployments and services", header + "- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [get]\n- apiGroups: ['']\n  resources: [services]\n  verbs: [get]\n", ""},
		{"secrets in another group are not core secrets", header + "- apiGroups: [example.com]\n  resources: [secrets]\n  verbs: [get]\n", ""},
		{"get of core secrets (notification receivers)", header + "- apiGroups: ['']\n  resources: [secrets]\n  verbs: [get]\n", ""},
		{"list of core secrets", header + "- apiGroups: ['']\n  resources: [secrets]\n  verbs: [get, list]\n", "may only get a Secret by name"},
		{"watch of core secrets", header + "- apiGroups: ['']\n  resources: [secrets]\n  verbs: [watch]\n", "may only get a Secret by name"},
		{"wildcard resources", header + "- apiGroups: ['']\n  resources: ['*']\n  verbs: [get]\n", "grants every resource"},
		{"wildcard group", header + "- apiGroups: ['*']\n  resources: [secrets]\n  verbs: [list]\n", "may only get a Secret by name"},
		{"a namespaced Role", strings.Replace(header, "ClusterRole", "Role", 1) + "- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [get]\n", "want exactly one ClusterRole"},
		{"two roles", header + "- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [get]\n" + header + "- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [get]\n", "found 2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := validateRole("role.yaml", []byte(c.yaml))
			switch {
			case c.wantErr == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
				t.Errorf("error %v, want one containing %q", err, c.wantErr)
			}
		})
	}
}

func TestJSONSchema(t *testing.T) {
	str := apiextensionsv1.JSONSchemaProps{Type: "string"}
	cases := []struct {
		name string
		in   apiextensionsv1.JSONSchemaProps
		want map[string]any
	}{
		{"object with properties rejects unknown keys",
			apiextensionsv1.JSONSchemaProps{Type: "object", Required: []string{"name"}, Properties: map[string]apiextensionsv1.JSONSchemaProps{"name": {Type: "string", MinLength: ptr.To[int64](1)}}},
			map[string]any{"type": "object", "required": []string{"name"}, "additionalProperties": false,
				"properties": map[string]any{"name": map[string]any{"type": "string", "minLength": int64(1)}}}},
		{"map keeps its value schema",
			apiextensionsv1.JSONSchemaProps{Type: "object", AdditionalProperties: &apiextensionsv1.JSONSchemaPropsOrBool{Schema: &str}},
			map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}},
		{"preserve-unknown-fields stays open",
			apiextensionsv1.JSONSchemaProps{Type: "object", XPreserveUnknownFields: ptr.To(true)},
			map[string]any{"type": "object"}},
		{"int-or-string",
			apiextensionsv1.JSONSchemaProps{XIntOrString: true, Pattern: "^[0-9]+m?$"},
			map[string]any{"type": []string{"integer", "string"}, "pattern": "^[0-9]+m?$"}},
		{"bounded array of enums",
			apiextensionsv1.JSONSchemaProps{Type: "array", MaxItems: ptr.To[int64](3), Items: &apiextensionsv1.JSONSchemaPropsOrArray{Schema: &apiextensionsv1.JSONSchemaProps{
				Type: "string", Enum: []apiextensionsv1.JSON{{Raw: []byte(`"Rollback"`)}, {Raw: []byte(`"Pause"`)}}}}},
			map[string]any{"type": "array", "maxItems": int64(3), "items": map[string]any{"type": "string", "enum": []any{"Rollback", "Pause"}}}},
		{"numeric bounds",
			apiextensionsv1.JSONSchemaProps{Type: "integer", Minimum: ptr.To(1.0), Maximum: ptr.To(1000.0), Description: "Size."},
			map[string]any{"type": "integer", "minimum": 1.0, "maximum": 1000.0, "description": "Size."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := jsonSchema(c.in); !reflect.DeepEqual(got, c.want) {
				t.Errorf("jsonSchema = %#v\nwant %#v", got, c.want)
			}
		})
	}
}
