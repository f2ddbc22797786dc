package chart

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	monv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

// promExpr is one PromQL expression and where it is written.
type promExpr struct {
	source string
	expr   string
}

// grafanaRangeMacros are Grafana's interval variables, which only appear as range
// durations; any duration stands in for them when parsing.
var grafanaRangeMacros = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "3h")

// labelValuesQuery is a Grafana variable query: label_values(SELECTOR, LABEL).
var labelValuesQuery = regexp.MustCompile(`^label_values\((.+),\s*([A-Za-z_][A-Za-z0-9_]*)\)$`)

// dashboard is a Grafana dashboard file with its decoded JSON.
type dashboard struct {
	file string
	json map[string]any
}

func readDashboards(t *testing.T) []dashboard {
	t.Helper()
	files, err := filepath.Glob(repoPath("config/grafana/*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards in config/grafana (%v)", err)
	}
	var out []dashboard
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		if err := json.Unmarshal(data, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, dashboard{file: "config/grafana/" + filepath.Base(f), json: d})
	}
	return out
}

// dashboardExpressions finds every "expr" (panel targets, annotations) and every
// label_values variable query in a dashboard.
func dashboardExpressions(t *testing.T, d dashboard) []promExpr {
	t.Helper()
	var out []promExpr
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if s, ok := v[k].(string); ok && k == "expr" {
					out = append(out, promExpr{d.file + " " + path, grafanaRangeMacros.Replace(s)})
					continue
				}
				walk(path+"."+k, v[k])
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		}
	}
	walk("", d.json)
	for _, v := range templateVariables(d) {
		if v["type"] != "query" {
			continue
		}
		q, _ := v["definition"].(string)
		m := labelValuesQuery.FindStringSubmatch(q)
		if m == nil {
			t.Errorf("%s: variable %v: query %q is not label_values(SELECTOR, LABEL)", d.file, v["name"], q)
			continue
		}
		out = append(out, promExpr{fmt.Sprintf("%s variable %v", d.file, v["name"]), m[1]})
	}
	return out
}

func templateVariables(d dashboard) []map[string]any {
	templating, _ := d.json["templating"].(map[string]any)
	list, _ := templating["list"].([]any)
	var out []map[string]any
	for _, v := range list {
		if m, ok := v.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func readAlertRules(t *testing.T) monv1.PrometheusRule {
	t.Helper()
	data, err := os.ReadFile(repoPath("config/prometheus/prometheusrule.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rule monv1.PrometheusRule
	if err := yaml.UnmarshalStrict(data, &rule); err != nil {
		t.Fatalf("config/prometheus/prometheusrule.yaml: %v", err)
	}
	return rule
}

// allExpressions is every PromQL expression of the dashboards and the alert rules.
func allExpressions(t *testing.T) []promExpr {
	t.Helper()
	var out []promExpr
	for _, d := range readDashboards(t) {
		out = append(out, dashboardExpressions(t, d)...)
	}
	for _, g := range readAlertRules(t).Spec.Groups {
		for _, r := range g.Rules {
			name := r.Alert + r.Record
			out = append(out, promExpr{"config/prometheus/prometheusrule.yaml " + g.Name + "/" + name, r.Expr.String()})
		}
	}
	return out
}

// metricNames parses expr and returns the metric names it selects.
func metricNames(expr string) ([]string, error) {
	ast, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		return nil, err
	}
	var names []string
	var missing error
	parser.Inspect(ast, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := vs.Name
		for _, m := range vs.LabelMatchers {
			if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
				name = m.Value
			}
		}
		if name == "" {
			missing = fmt.Errorf("selector %s names no metric", vs)
			return nil
		}
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
		return nil
	})
	return names, missing
}

// TestPromQLParses: every expression of the dashboards and rules is valid PromQL and
// selects metrics by name.
func TestPromQLParses(t *testing.T) {
	exprs := allExpressions(t)
	if len(exprs) < 30 {
		t.Fatalf("found only %d expressions: the dashboards or rules were not read", len(exprs))
	}
	for _, e := range exprs {
		if _, err := metricNames(e.expr); err != nil {
			t.Errorf("%s: %v\n%s", e.source, err, e.expr)
		}
	}
}

// TestDashboards checks what the PromQL cannot: the dashboards the issue names, their
// variables, and that panels use the data source variable.
func TestDashboards(t *testing.T) {
	want := map[string][]string{
		"InterviewAPI pool health": {"datasource", "namespace", "instance", "track"},
		"InterviewAPI rollouts":    {"datasource", "namespace", "instance"},
	}
	uids := map[string]bool{}
	varRef := regexp.MustCompile(`\$(?:\{)?([A-Za-z_][A-Za-z0-9_]*)`)
	for _, d := range readDashboards(t) {
		title, _ := d.json["title"].(string)
		vars, ok := want[title]
		if !ok {
			t.Errorf("%s: unexpected dashboard %q", d.file, title)
			continue
		}
		delete(want, title)
		uid, _ := d.json["uid"].(string)
		if uid == "" || uids[uid] {
			t.Errorf("%s: uid %q missing or not unique", d.file, uid)
		}
		uids[uid] = true
		defined := map[string]bool{}
		for _, v := range templateVariables(d) {
			defined[v["name"].(string)] = true
		}
		for _, v := range vars {
			if !defined[v] {
				t.Errorf("%s: no template variable %q", d.file, v)
			}
		}
		raw, _ := json.Marshal(d.json["panels"])
		for _, m := range varRef.FindAllStringSubmatch(string(raw), -1) {
			if !strings.HasPrefix(m[1], "__") && !defined[m[1]] {
				t.Errorf("%s: panels use $%s, which is not a template variable", d.file, m[1])
			}
		}
		checkPanels(t, d)
	}
	for title := range want {
		t.Errorf("no dashboard titled %q in config/grafana", title)
	}
}

func checkPanels(t *testing.T, d dashboard) {
	t.Helper()
	panels, _ := d.json["panels"].([]any)
	ids := map[float64]bool{}
	for _, p := range panels {
		panel := p.(map[string]any)
		id, _ := panel["id"].(float64)
		if ids[id] {
			t.Errorf("%s: panel id %v used twice", d.file, id)
		}
		ids[id] = true
		if panel["type"] == "row" {
			continue
		}
		ds, _ := panel["datasource"].(map[string]any)
		if ds["uid"] != "${datasource}" {
			t.Errorf("%s: panel %q does not use the ${datasource} variable", d.file, panel["title"])
		}
		if targets, _ := panel["targets"].([]any); len(targets) == 0 {
			t.Errorf("%s: panel %q has no query", d.file, panel["title"])
		}
		if desc, _ := panel["description"].(string); desc == "" {
			t.Errorf("%s: panel %q has no description", d.file, panel["title"])
		}
	}
}

// TestAlertsHaveRunbooks: each alert has a severity, a summary and a runbook_url whose
// section exists in docs/runbooks.md, and each runbook section belongs to an alert.
func TestAlertsHaveRunbooks(t *testing.T) {
	runbooks, err := os.ReadFile(repoPath("docs/runbooks.md"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]bool{}
	for _, line := range strings.Split(string(runbooks), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			sections[strings.TrimSpace(h)] = true
		}
	}
	wantAlerts := []string{"InterviewAPIPoolSaturated", "InterviewAPIAcquireTimeouts", "InterviewAPICanaryRolledBack", "InterviewAPIRolloutStuck", "InterviewAPINotificationsFailing", "InterviewAPIOperatorDown"}
	var alerts []string
	for _, g := range readAlertRules(t).Spec.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts = append(alerts, r.Alert)
			if r.Labels["severity"] != "warning" && r.Labels["severity"] != "critical" {
				t.Errorf("%s: severity %q, want warning or critical", r.Alert, r.Labels["severity"])
			}
			if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("%s: no summary or description", r.Alert)
			}
			wantURL := "https://github.com/interviewapi/operator/blob/main/docs/runbooks.md#" + strings.ToLower(r.Alert)
			if r.Annotations["runbook_url"] != wantURL {
				t.Errorf("%s: runbook_url %q, want %q", r.Alert, r.Annotations["runbook_url"], wantURL)
			}
			if !sections[r.Alert] {
				t.Errorf("%s: docs/runbooks.md has no section \"## %s\"", r.Alert, r.Alert)
			}
			delete(sections, r.Alert)
		}
	}
	slices.Sort(alerts)
	slices.Sort(wantAlerts)
	if !slices.Equal(alerts, wantAlerts) {
		t.Errorf("alerts %v, want %v", alerts, wantAlerts)
	}
	for s := range sections {
		t.Errorf("docs/runbooks.md section %q belongs to no alert", s)
	}
}
