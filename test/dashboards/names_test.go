// Package dashboards checks the dashboards and alert rules the repository ships against
// the metrics the server really exports.
package dashboards

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/metricnames"
)

// serverMetric matches a server metric in a query: the interviewapi_db_ and
// interviewapi_http_ families (the operator's own metrics are interviewapi_operator_
// and interviewapi_rollout_).
var serverMetric = regexp.MustCompile(`\binterviewapi_(?:db|http)_[a-z_]+`)

// TestDashboardsUseExportedServerMetrics fails when a Grafana panel or a Prometheus rule
// (config/ and the chart's copies) reads a server metric under a name
// internal/metricnames does not hold: renaming a metric on the server side breaks the
// build of this test, not a dashboard nobody looks at until an incident.
func TestDashboardsUseExportedServerMetrics(t *testing.T) {
	root := filepath.Join("..", "..")
	var files []string
	for _, pattern := range []string{
		"config/grafana/*.json", "config/prometheus/*.yaml",
		"charts/interviewapi-operator/files/dashboards/*.json", "charts/interviewapi-operator/files/prometheus/*.yaml",
	} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 4 {
		t.Fatalf("found only %v: the dashboards and rules are expected in config/grafana and config/prometheus", files)
	}
	known := metricnames.Server()
	used := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range serverMetric.FindAllString(string(b), -1) {
			used++
			if !slices.Contains(known, seriesFamily(name)) {
				t.Errorf("%s reads %s, which the server does not export (internal/metricnames)", f, name)
			}
		}
	}
	if used == 0 {
		t.Error("no dashboard or rule reads a server metric: the pattern or the files moved")
	}
}

// budgetCount matches a query that counts the connections of the server pods as the
// connection budget does: the pool's cap plus a number a pod.
var budgetCount = regexp.MustCompile(metricnames.PoolMaxConnections + `\{[^}]*\} \+ (\d+)\)`)

// TestDashboardsCountConnectionsAsTheBudget: a panel that shows what
// spec.database.maxServerConnections counts adds the server's connections outside its
// pool exactly as the operator does (v1alpha1.ServerConnectionsOutsidePool).
func TestDashboardsCountConnectionsAsTheBudget(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "grafana", "interviewapi-pool-health.json"))
	if err != nil {
		t.Fatal(err)
	}
	found := budgetCount.FindAllStringSubmatch(strings.ReplaceAll(string(b), `\"`, `"`), -1)
	if len(found) == 0 {
		t.Fatal("the pool-health dashboard has no panel counting connections as the budget does")
	}
	for _, m := range found {
		if m[1] != fmt.Sprint(v1alpha1.ServerConnectionsOutsidePool) {
			t.Errorf("the dashboard adds %s connections a pod to the pool's cap, the operator's budget %d", m[1], v1alpha1.ServerConnectionsOutsidePool)
		}
	}
}

// seriesFamily is the metric a series belongs to: H_bucket, H_sum and H_count are
// series of the histogram H.
func seriesFamily(name string) string {
	for _, suffix := range []string{metricnames.BucketSuffix, metricnames.SumSuffix, metricnames.CountSuffix} {
		if base, ok := strings.CutSuffix(name, suffix); ok && slices.Contains(metricnames.Histograms(), base) {
			return base
		}
	}
	return name
}

// operatorAdviceMetric matches the operator's pool-advice metrics in a query.
var operatorAdviceMetric = regexp.MustCompile(`\binterviewapi_pool_[a-z_]+`)

// TestDashboardShowsTheAdvice: the pool-health dashboard shows the advised pool
// beside the running one, under the names the operator exports it as.
func TestDashboardShowsTheAdvice(t *testing.T) {
	for _, f := range []string{"config/grafana/interviewapi-pool-health.json", "charts/interviewapi-operator/files/dashboards/interviewapi-pool-health.json"} {
		b, err := os.ReadFile(filepath.Join("..", "..", f))
		if err != nil {
			t.Fatal(err)
		}
		known := []string{metricnames.PoolRecommendedSize, metricnames.PoolRecommendedMaxOverflow}
		used := map[string]bool{}
		for _, name := range operatorAdviceMetric.FindAllString(string(b), -1) {
			if !slices.Contains(known, name) {
				t.Errorf("%s reads %s, which the operator does not export (internal/metricnames)", f, name)
			}
			used[name] = true
		}
		for _, name := range known {
			if !used[name] {
				t.Errorf("%s does not show %s", f, name)
			}
		}
		if !strings.Contains(string(b), metricnames.PoolMaxConnections) {
			t.Errorf("%s does not show the running pool beside the advice", f)
		}
	}
}
