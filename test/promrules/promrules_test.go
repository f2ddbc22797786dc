// Package promrules unit-tests the alert and recording rules the project ships
// (config/prometheus/prometheusrule.yaml, copied into the operator chart) with the real
// `promtool test rules` that `make tools` builds into bin/.
package promrules

import (
	"bytes"
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	monv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"sigs.k8s.io/yaml"

	"github.com/interviewapi/operator/test/envtest"
)

const rulesSource = "config/prometheus/prometheusrule.yaml"

// ruleTestFile is the part of a promtool test file this test checks for coverage.
type ruleTestFile struct {
	RuleFiles []string `json:"rule_files"`
	Tests     []struct {
		AlertRuleTests []struct {
			AlertName string `json:"alertname"`
			ExpAlerts []any  `json:"exp_alerts"`
		} `json:"alert_rule_test"`
		PromQLExprTests []struct {
			Expr       string `json:"expr"`
			ExpSamples []any  `json:"exp_samples"`
		} `json:"promql_expr_test"`
	} `json:"tests"`
}

// TestRules runs promtool on testdata/*.test.yaml against the shipped rules, and checks
// that those tests cover every rule: each alert is expected to fire at least once and
// to stay silent at least once, and each recording rule's output is checked.
func TestRules(t *testing.T) {
	promtool := filepath.Join(envtest.RepoRoot(), "bin", "promtool")
	if _, err := os.Stat(promtool); err != nil {
		t.Fatalf("%s not found: run `make tools` (it builds promtool from the Go module proxy, pinned in hack/tools/prometheus)", promtool)
	}
	groups := shippedGroups(t)
	dir := t.TempDir()
	writeRuleFile(t, filepath.Join(dir, "rules.yaml"), groups)

	tests, err := filepath.Glob("testdata/*.test.yaml")
	if err != nil || len(tests) == 0 {
		t.Fatalf("no promtool tests in testdata (%v)", err)
	}
	var files []ruleTestFile
	var args []string
	for _, src := range tests {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		var f ruleTestFile
		if err := yaml.Unmarshal(data, &f); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if !slices.Equal(f.RuleFiles, []string{"rules.yaml"}) {
			t.Fatalf("%s: rule_files must be [rules.yaml], the shipped rules this test writes; got %v", src, f.RuleFiles)
		}
		files = append(files, f)
		dst := filepath.Join(dir, filepath.Base(src))
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, dst)
	}
	checkCoverage(t, groups, files)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, promtool, append([]string{"test", "rules"}, args...)...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out.String())
	}
	t.Logf("promtool test rules:\n%s", out.String())
}

// shippedGroups reads the rule groups of the PrometheusRule the project ships.
func shippedGroups(t *testing.T) []monv1.RuleGroup {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(envtest.RepoRoot(), rulesSource))
	if err != nil {
		t.Fatal(err)
	}
	var rule monv1.PrometheusRule
	if err := yaml.UnmarshalStrict(data, &rule); err != nil {
		t.Fatalf("%s: %v", rulesSource, err)
	}
	if len(rule.Spec.Groups) == 0 {
		t.Fatalf("%s has no rule groups", rulesSource)
	}
	return rule.Spec.Groups
}

// writeRuleFile writes the groups as a Prometheus rule file (the PrometheusRule's
// spec, which is that file's format).
func writeRuleFile(t *testing.T, path string, groups []monv1.RuleGroup) {
	t.Helper()
	data, err := yaml.Marshal(map[string]any{"groups": groups})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkCoverage fails for every alert without a test expecting it to fire and one
// expecting it silent, every recording rule without a promql_expr_test of its output,
// and every test naming a rule that does not exist.
func checkCoverage(t *testing.T, groups []monv1.RuleGroup, files []ruleTestFile) {
	t.Helper()
	fires, silent, recorded := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, f := range files {
		for _, tc := range f.Tests {
			for _, a := range tc.AlertRuleTests {
				if len(a.ExpAlerts) > 0 {
					fires[a.AlertName] = true
				} else {
					silent[a.AlertName] = true
				}
			}
			for _, e := range tc.PromQLExprTests {
				if len(e.ExpSamples) > 0 {
					recorded[e.Expr] = true
				}
			}
		}
	}
	alerts := map[string]bool{}
	for _, g := range groups {
		for _, r := range g.Rules {
			switch {
			case r.Alert != "":
				alerts[r.Alert] = true
				if !fires[r.Alert] {
					t.Errorf("alert %s (%s): no test expects it to fire", r.Alert, g.Name)
				}
				if !silent[r.Alert] {
					t.Errorf("alert %s (%s): no test expects it to stay silent", r.Alert, g.Name)
				}
			case r.Record != "":
				if !slices.ContainsFunc(slices.Collect(maps.Keys(recorded)), func(expr string) bool { return strings.Contains(expr, r.Record) }) {
					t.Errorf("recording rule %s (%s): no promql_expr_test reads its output with expected samples", r.Record, g.Name)
				}
			}
		}
	}
	for name := range fires {
		if !alerts[name] {
			t.Errorf("a test expects alert %s, which %s does not define", name, rulesSource)
		}
	}
	for name := range silent {
		if !alerts[name] {
			t.Errorf("a test checks alert %s, which %s does not define", name, rulesSource)
		}
	}
}
