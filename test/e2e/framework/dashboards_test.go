package framework

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func repoRoot() string { return filepath.Join("..", "..", "..") }

// Every "expr" of the shipped dashboards is found, in panels, rows and annotations,
// and every query variable; the chart's copies add no expression of their own.
func TestDashboardQueriesFindEveryExpression(t *testing.T) {
	qs, err := DashboardQueries(repoRoot())
	if err != nil {
		t.Fatal(err)
	}
	exprs, variables := map[string]bool{}, 0
	for _, q := range qs {
		if q.Variable != "" {
			variables++
			if !strings.HasPrefix(q.Expr, "label_values(") {
				t.Errorf("%s: variable query %q", q.Where, q.Expr)
			}
			continue
		}
		exprs[q.Expr] = true
	}
	// The raw count: every "expr" key of config/grafana, as written in the files.
	files, _ := filepath.Glob(filepath.Join(repoRoot(), "config", "grafana", "*.json"))
	raw := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		collectExprs(doc, raw)
	}
	if len(raw) < 20 {
		t.Fatalf("only %d expressions in %v: the dashboards moved", len(raw), files)
	}
	for e := range raw {
		if !exprs[e] {
			t.Errorf("DashboardQueries misses %s", e)
		}
	}
	if variables < 3 {
		t.Errorf("%d variable queries, want namespace, instance and track at least", variables)
	}
}

func collectExprs(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && k == "expr" && s != "" {
				into[s] = true
			}
			collectExprs(val, into)
		}
	case []any:
		for _, val := range x {
			collectExprs(val, into)
		}
	}
}

func TestDashboardViewExpand(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	v := DashboardView{Values: map[string]string{"namespace": `e2e\.x`, "instance": "interview"},
		Start: start, End: start.Add(95*time.Second + 300*time.Millisecond), Step: 2 * time.Second, ScrapeInterval: time.Second}
	for _, tc := range []struct{ in, want, err string }{
		{`rate(x{namespace=~"$namespace", name=~"${instance}"}[$__rate_interval])`, `rate(x{namespace=~"e2e\.x", name=~"interview"}[4s])`, ""},
		// Grafana: max($__interval + scrape interval, 4 × scrape interval).
		{`increase(x[$__range]) / $__interval`, `increase(x[1m35s]) / 2s`, ""},
		{`x{track=~"$track"}`, "", "$track"},
	} {
		got, err := v.Expand(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Expand(%s) = %q, %v; want an error naming %s", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Expand(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	long := v
	long.Step = 10 * time.Second
	if got, _ := long.Expand("[$__rate_interval]"); got != "[11s]" {
		t.Errorf("rate interval with a 10s step and 1s scrapes: %s, want [11s]", got)
	}
}

// The scrape configuration made of the shipped monitors is one Prometheus accepts
// (bin/promtool check config) and keeps their relabelling.
func TestScrapeConfigIsValid(t *testing.T) {
	promtool := filepath.Join(repoRoot(), "bin", "promtool")
	if _, err := os.Stat(promtool); err != nil {
		t.Fatalf("%s not found: run `make tools` (it builds promtool from the Go module proxy, pinned in hack/tools/prometheus)", promtool)
	}
	dir := t.TempDir()
	kubeconfig, token := filepath.Join(dir, "kubeconfig"), filepath.Join(dir, "token")
	for _, f := range []string{kubeconfig, token} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := ScrapeConfig(ScrapeOptions{Root: repoRoot(), Namespace: "e2e-x", Kubeconfig: kubeconfig,
		OperatorAddress: "127.0.0.1:8443", TokenFile: token, Interval: time.Second, Self: "127.0.0.1:9090"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"kubeconfig_file: " + kubeconfig, "role: pod", "- e2e-x",
		"regex: (interviewapi-server);true", "regex: http",
		"__meta_kubernetes_pod_label_apps_interviewapi_io_track", "target_label: track",
		"replacement: interviewapi-server", "replacement: interviewapi-operator",
		"scheme: https", "credentials_file: " + token, "insecure_skip_verify: true", "honor_labels: true",
		"scrape_interval: 1s",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("scrape configuration lacks %q:\n%s", want, cfg)
		}
	}
	path := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(promtool, "check", "config", path).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config: %v\n%s\n%s", err, out, cfg)
	}
}
