package main

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
)

const operatorChart = "charts/interviewapi-operator"

// copyRule copies every file matching a glob under config/ into a chart folder that
// chartsync owns entirely: files there without a source are stale and removed.
type copyRule struct {
	glob     string // slash-separated, relative to the repository root
	dir      string // destination folder in a chart
	validate func(name string, data []byte) error
	// required makes an empty match an error (the source is generated and must exist).
	required string
}

func copyRules() []copyRule {
	return []copyRule{
		{glob: "config/crd/bases/*.yaml", dir: operatorChart + "/files/crds",
			required: "run `make manifests` to generate the CRD"},
		{glob: "config/rbac/role.yaml", dir: operatorChart + "/files/rbac", validate: validateRole,
			required: "run `make manifests` to generate the operator's ClusterRole from its RBAC markers"},
		{glob: "config/rbac/metrics_auth_role.yaml", dir: operatorChart + "/files/rbac", validate: validateRole,
			required: "run `make manifests` to generate the metrics endpoint's ClusterRole from the markers in cmd/interviewapi-operator"},
		{glob: "config/grafana/*.json", dir: operatorChart + "/files/dashboards",
			required: "the Grafana dashboards live in config/grafana"},
		{glob: "config/prometheus/prometheusrule.yaml", dir: operatorChart + "/files/prometheus",
			required: "the alert rules live in config/prometheus/prometheusrule.yaml"},
	}
}

// output is what the charts must contain after a sync.
type output struct {
	ownedDirs []string
	files     map[string][]byte // repository path → content
}

func desired(root string) (output, error) {
	out := output{files: map[string][]byte{}}
	for _, r := range copyRules() {
		matches, err := filepath.Glob(rel(root, r.glob))
		if err != nil {
			return out, fmt.Errorf("glob %s: %w", r.glob, err)
		}
		if len(matches) == 0 {
			return out, fmt.Errorf("no file matches %s: %s", r.glob, r.required)
		}
		sort.Strings(matches)
		out.ownedDirs = append(out.ownedDirs, r.dir)
		for _, m := range matches {
			data, err := os.ReadFile(m)
			if err != nil {
				return out, err
			}
			name := filepath.Base(m)
			if r.validate != nil {
				if err := r.validate(name, data); err != nil {
					return out, fmt.Errorf("%s: %w", path.Join(path.Dir(r.glob), name), err)
				}
			}
			out.files[path.Join(r.dir, name)] = data
		}
	}
	// Helm installs whatever is in a chart's crds/ folder before its templates and
	// never upgrades it; the operator chart's CRD is a template over files/crds, so
	// crds/ is owned with nothing in it: a copy left there is stale, and removed.
	out.ownedDirs = append(out.ownedDirs, operatorChart+"/crds")
	schema, err := instanceValuesSchema(root)
	if err != nil {
		return out, err
	}
	out.files[instanceSchemaPath] = schema
	schema, err = operatorValuesSchema(root)
	if err != nil {
		return out, err
	}
	out.files[operatorSchemaPath] = schema
	return out, nil
}

// change is one file to write or remove.
type change struct {
	path    string
	content []byte // nil: remove
}

func (c change) String() string {
	if c.content == nil {
		return "remove " + c.path
	}
	return "write  " + c.path
}

func (c change) apply(root string) error {
	p := rel(root, c.path)
	if c.content == nil {
		return os.Remove(p)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, c.content, 0o644)
}

// plan lists the writes and removals that bring the charts to want.
func plan(root string, want output) ([]change, error) {
	var changes []change
	names := make([]string, 0, len(want.files))
	for p := range want.files {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		have, err := os.ReadFile(rel(root, p))
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		if err != nil || !bytes.Equal(have, want.files[p]) {
			changes = append(changes, change{path: p, content: want.files[p]})
		}
	}
	for _, dir := range want.ownedDirs {
		entries, err := os.ReadDir(rel(root, dir))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			p := path.Join(dir, e.Name())
			if _, ok := want.files[p]; !ok && !e.IsDir() {
				changes = append(changes, change{path: p})
			}
		}
	}
	return changes, nil
}
