package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// chart is a Helm chart whose values are documented.
type chart struct {
	dir   string
	title string
	intro string
	// summarised are values documented as one row although their schema has
	// properties: Kubernetes types (copied from the CRD) and the InterviewAPI spec.
	summarised map[string]string
}

var (
	operatorChart = chart{
		dir:   "charts/interviewapi-operator",
		title: "Values of the interviewapi-operator chart",
		intro: "`helm install interviewapi-operator charts/interviewapi-operator -n interviewapi-system --create-namespace` with `--set key=value` or `-f values.yaml`. `values.schema.json` rejects unknown keys and wrong types.",
		summarised: map[string]string{
			"resources":        "Kubernetes [ResourceRequirements](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#resources)",
			"affinity":         "Kubernetes [Affinity](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling)",
			"tolerations":      "Kubernetes [[]Toleration](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#scheduling)",
			"nodeSelector":     "map[string]string",
			"imagePullSecrets": "Kubernetes [[]LocalObjectReference](https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#containers)",
		},
	}
	instanceChart = chart{
		dir:   "charts/interviewapi",
		title: "Values of the interviewapi chart",
		intro: "One InterviewAPI named after the release: `helm install interview charts/interviewapi -n team-a --set spec.database.async.enabled=false`. Install the operator chart first.",
		summarised: map[string]string{
			"spec": "InterviewAPI spec: every field of [the InterviewAPI resource](#the-interviewapi-resource)",
		},
	}
)

// schemaNode is the part of JSON Schema the charts' schemas use.
type schemaNode struct {
	Ref                  string                 `json:"$ref"`
	Type                 any                    `json:"type"`
	Description          string                 `json:"description"`
	Properties           map[string]*schemaNode `json:"properties"`
	AdditionalProperties any                    `json:"additionalProperties"`
	Items                *schemaNode            `json:"items"`
	Enum                 []any                  `json:"enum"`
	Minimum              *float64               `json:"minimum"`
	Maximum              *float64               `json:"maximum"`
	MinLength            *int64                 `json:"minLength"`
	Pattern              string                 `json:"pattern"`
	Required             []string               `json:"required"`
	Definitions          map[string]*schemaNode `json:"definitions"`
}

func writeValues(b *bytes.Buffer, root string, c chart) error {
	schemaData, err := os.ReadFile(filepath.Join(root, c.dir, "values.schema.json"))
	if err != nil {
		return err
	}
	var schema schemaNode
	if err := json.Unmarshal(schemaData, &schema); err != nil {
		return fmt.Errorf("%s/values.schema.json: %w", c.dir, err)
	}
	valuesData, err := os.ReadFile(filepath.Join(root, c.dir, "values.yaml"))
	if err != nil {
		return err
	}
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(valuesData, &doc); err != nil {
		return fmt.Errorf("%s/values.yaml: %w", c.dir, err)
	}
	var defaults *yamlv3.Node
	if len(doc.Content) > 0 {
		defaults = doc.Content[0]
	}
	fmt.Fprintf(b, "## %s\n\n%s\n\n", c.title, c.intro)
	w := valuesWalker{chart: c, defs: schema.Definitions}
	w.walk("", &schema, defaults)
	table(b, []string{"Key", "Type", "Default", "Description"}, w.rows)
	return nil
}

type valuesWalker struct {
	chart chart
	defs  map[string]*schemaNode
	rows  [][]string
}

// resolve follows a local $ref, keeping the referring node's description.
func (w *valuesWalker) resolve(n *schemaNode) *schemaNode {
	if n.Ref == "" {
		return n
	}
	target, ok := w.defs[strings.TrimPrefix(n.Ref, "#/definitions/")]
	if !ok {
		return n
	}
	resolved := *target
	if n.Description != "" {
		resolved.Description = n.Description
	}
	return &resolved
}

// walk adds rows for the properties of n in the order values.yaml lists them (then
// the rest alphabetically); objects with documented properties get a row per key.
func (w *valuesWalker) walk(prefix string, n *schemaNode, defaults *yamlv3.Node) {
	for _, name := range orderedKeys(n.Properties, defaults) {
		key := prefix + name
		child := w.resolve(n.Properties[name])
		def := mappingValue(defaults, name)
		if summary, ok := w.chart.summarised[key]; ok {
			w.rows = append(w.rows, []string{code(key), summary, code(yamlDefault(def)), child.Description})
			continue
		}
		if len(child.Properties) > 0 {
			w.rows = append(w.rows, []string{code(key), "object", "", child.Description})
			w.walk(key+".", child, def)
			continue
		}
		w.rows = append(w.rows, []string{code(key), valueType(child), code(yamlDefault(def)), describeValue(child)})
	}
}

func describeValue(n *schemaNode) string {
	d := n.Description
	if len(n.Enum) > 0 {
		var vals []string
		for _, v := range n.Enum {
			vals = append(vals, fmt.Sprint(v))
		}
		d += " One of: " + strings.Join(vals, ", ") + "."
	}
	if n.Minimum != nil && n.Maximum != nil {
		d += fmt.Sprintf(" From %v to %v.", *n.Minimum, *n.Maximum)
	} else if n.Minimum != nil {
		d += fmt.Sprintf(" At least %v.", *n.Minimum)
	}
	return strings.TrimSpace(d)
}

func valueType(n *schemaNode) string {
	switch t := n.Type.(type) {
	case string:
		switch {
		case t == "array" && n.Items != nil:
			return "[]" + valueType(n.Items)
		case t == "object":
			if m, ok := n.AdditionalProperties.(map[string]any); ok && m["type"] != nil {
				return fmt.Sprintf("map[string]%v", m["type"])
			}
		}
		return t
	case []any:
		var parts []string
		for _, p := range t {
			parts = append(parts, fmt.Sprint(p))
		}
		return strings.Join(parts, " or ")
	}
	if len(n.Properties) > 0 {
		return "object"
	}
	return "any"
}

// orderedKeys lists a schema's properties in values.yaml's order, then the rest sorted.
func orderedKeys(props map[string]*schemaNode, defaults *yamlv3.Node) []string {
	var keys []string
	if defaults != nil && defaults.Kind == yamlv3.MappingNode {
		for i := 0; i+1 < len(defaults.Content); i += 2 {
			if _, ok := props[defaults.Content[i].Value]; ok {
				keys = append(keys, defaults.Content[i].Value)
			}
		}
	}
	var rest []string
	for k := range props {
		if !slices.Contains(keys, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(keys, rest...)
}

func mappingValue(n *yamlv3.Node, key string) *yamlv3.Node {
	if n == nil || n.Kind != yamlv3.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// yamlDefault renders a default from values.yaml as compact JSON.
func yamlDefault(n *yamlv3.Node) string {
	if n == nil {
		return ""
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return ""
	}
	return compactJSON(v)
}
