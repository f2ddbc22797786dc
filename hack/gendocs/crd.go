package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

const crdPath = "config/crd/bases/apps.interviewapi.io_interviewapis.yaml"

// kubernetesTypes are spec fields of a built-in Kubernetes type: documented by name
// (with a link) instead of field by field.
var kubernetesTypes = map[string]string{
	"spec.resources":        "[ResourceRequirements](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#resources)",
	"spec.affinity":         "[Affinity](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling)",
	"spec.tolerations":      "[[]Toleration](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling)",
	"spec.imagePullSecrets": "[[]LocalObjectReference](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#containers)",
}

// celRule is an x-kubernetes-validations rule and the field it is declared on.
type celRule struct{ path, rule, message string }

func writeCRD(b *bytes.Buffer, root string) error {
	data, err := os.ReadFile(filepath.Join(root, crdPath))
	if err != nil {
		return fmt.Errorf("read the CRD (run make manifests): %w", err)
	}
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(data, &crd); err != nil {
		return fmt.Errorf("decode %s: %w", crdPath, err)
	}
	var version *apiextensionsv1.CustomResourceDefinitionVersion
	for i := range crd.Spec.Versions {
		if crd.Spec.Versions[i].Storage {
			version = &crd.Spec.Versions[i]
		}
	}
	if version == nil || version.Schema == nil || version.Schema.OpenAPIV3Schema == nil {
		return fmt.Errorf("%s has no storage version with a schema", crdPath)
	}
	spec, ok := version.Schema.OpenAPIV3Schema.Properties["spec"]
	if !ok {
		return fmt.Errorf("%s has no spec schema", crdPath)
	}

	fmt.Fprintf(b, "## The InterviewAPI resource\n\n")
	fmt.Fprintf(b, "`%s/%s`, kind `%s`, plural `%s`, short name `%s`. `kubectl explain interviewapi.spec` shows the same descriptions.\n\n",
		crd.Spec.Group, version.Name, crd.Spec.Names.Kind, crd.Spec.Names.Plural, strings.Join(crd.Spec.Names.ShortNames, ", "))
	fmt.Fprintf(b, "Defaults are filled in by the API server when the field is omitted.\n\n")

	var rows [][]string
	var rules []celRule
	walkCRD("spec", spec, true, &rows, &rules)
	table(b, []string{"Field", "Type", "Default", "Validation", "Description"}, rows)

	if len(rules) > 0 {
		fmt.Fprintf(b, "### Rules the API server checks\n\n")
		fmt.Fprintf(b, "Besides the bounds above, these CEL rules reject a resource with the message shown.\n\n")
		var ruleRows [][]string
		for _, r := range rules {
			ruleRows = append(ruleRows, []string{code(r.path), r.message, code(r.rule)})
		}
		table(b, []string{"Field", "Message", "Rule"}, ruleRows)
	}

	fmt.Fprintf(b, "### Columns of `kubectl get interviewapi`\n\n")
	var colRows [][]string
	for _, c := range version.AdditionalPrinterColumns {
		where := "always"
		if c.Priority > 0 {
			where = "with `-o wide`"
		}
		colRows = append(colRows, []string{c.Name, code(c.JSONPath), where})
	}
	table(b, []string{"Column", "Field", "Shown"}, colRows)
	return nil
}

// walkCRD adds a row for the field at path and recurses into its properties.
func walkCRD(path string, p apiextensionsv1.JSONSchemaProps, required bool, rows *[][]string, rules *[]celRule) {
	for _, v := range p.XValidations {
		*rules = append(*rules, celRule{path: path, rule: v.Rule, message: v.Message})
	}
	k8sType, isK8s := kubernetesTypes[path]
	if path != "spec" {
		typ := crdType(p)
		if isK8s {
			typ = k8sType
		}
		*rows = append(*rows, []string{code(path), typ, crdDefault(p), crdValidation(p, required), p.Description})
	}
	if isK8s {
		return
	}
	props := p.Properties
	prefix := path + "."
	req := p.Required
	if p.Type == "array" && p.Items != nil && p.Items.Schema != nil {
		props = p.Items.Schema.Properties
		prefix = path + "[]."
		req = p.Items.Schema.Required
		for _, v := range p.Items.Schema.XValidations {
			*rules = append(*rules, celRule{path: path + "[]", rule: v.Rule, message: v.Message})
		}
	}
	for _, name := range sortedKeys(props) {
		walkCRD(prefix+name, props[name], slices.Contains(req, name), rows, rules)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// isDurationPattern recognises the pattern metav1.Duration fields get in the CRD.
func isDurationPattern(pattern string) bool {
	return strings.Contains(pattern, "(ns|us|µs|ms|s|m|h)")
}

func crdType(p apiextensionsv1.JSONSchemaProps) string {
	switch {
	case p.Type == "string" && isDurationPattern(p.Pattern):
		return "duration"
	case p.XIntOrString:
		return "int or string"
	case p.Type == "array" && p.Items != nil && p.Items.Schema != nil:
		return "[]" + crdType(*p.Items.Schema)
	case p.Type == "object" && p.AdditionalProperties != nil && p.AdditionalProperties.Schema != nil:
		return "map[string]" + crdType(*p.AdditionalProperties.Schema)
	case p.Format != "":
		return p.Type + " (" + p.Format + ")"
	}
	return p.Type
}

func crdDefault(p apiextensionsv1.JSONSchemaProps) string {
	if p.Default == nil {
		return ""
	}
	var v any
	if err := json.Unmarshal(p.Default.Raw, &v); err != nil {
		return code(string(p.Default.Raw))
	}
	return code(compactJSON(v))
}

func crdValidation(p apiextensionsv1.JSONSchemaProps, required bool) string {
	var parts []string
	if required {
		parts = append(parts, "required")
	}
	if len(p.Enum) > 0 {
		var vals []string
		for _, e := range p.Enum {
			vals = append(vals, string(e.Raw))
		}
		parts = append(parts, "one of "+code(strings.Join(vals, ", ")))
	}
	bound := func(name string, v *float64) {
		if v != nil {
			parts = append(parts, name+" "+strconv.FormatFloat(*v, 'f', -1, 64))
		}
	}
	bound("min", p.Minimum)
	bound("max", p.Maximum)
	count := func(name string, v *int64) {
		if v != nil {
			parts = append(parts, fmt.Sprintf("%s %d", name, *v))
		}
	}
	count("min length", p.MinLength)
	count("max length", p.MaxLength)
	count("min items", p.MinItems)
	count("max items", p.MaxItems)
	switch {
	case isDurationPattern(p.Pattern):
		parts = append(parts, "a Go duration such as `30s`, `1m30s` or `1h`")
	case p.Pattern != "":
		parts = append(parts, "pattern "+code(p.Pattern))
	}
	if len(p.XValidations) > 0 {
		parts = append(parts, fmt.Sprintf("%d rule(s) below", len(p.XValidations)))
	}
	return strings.Join(parts, "; ")
}
