//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/advice"
	"github.com/interviewapi/operator/test/e2e/framework"
	"github.com/interviewapi/operator/test/promserver"
)

// promScrapeInterval is how often the scenario's Prometheus scrapes the server pods and
// the operator; the operator's PromQL ranges are at least four of them
// (--prometheus-min-range), so that every range holds a few samples of each series.
const (
	promScrapeInterval = time.Second
	promMinRange       = 4 * promScrapeInterval
)

// testAnalysisThroughPrometheus runs the canary analysis through a real Prometheus
// (bin/prometheus) that scrapes the server pods of the local cluster, and the
// dashboards against what it stored.
//
// Prometheus finds the pods with Kubernetes service discovery (role pod) against the
// cluster's API server, authenticated as a ServiceAccount of the scenario allowed to
// list and watch pods in its namespace, and relabels them as the shipped PodMonitor
// does (framework.ScrapeConfig translates config/prometheus): a rollout creates and
// deletes canary pods, which a static list of addresses written at the start would
// miss. The operator, a local process here, is a static target scraped as the shipped
// ServiceMonitor says: HTTPS with the bearer token of a ServiceAccount bound to the
// metrics-reader ClusterRole, checked by the operator's TokenReview and
// SubjectAccessReview.
//
// spec.rollout.analysis.prometheus.address names that Prometheus, which the operator's
// --allowed-prometheus-urls allows. With the Compare judge, async is promoted under
// steady load, then a starving pool is rolled back under a burst of clients (as
// `make demo` does). Then every query of the dashboards is evaluated over the
// scenario's time as Grafana would run it, and each must return data.
func testAnalysisThroughPrometheus(t *testing.T, e *env) {
	s := e.newScenario(t, "e2e-prometheus", scenarioOptions{noOperator: true})
	start := time.Now()
	prom := s.startPrometheus()
	s.startOperator(framework.OperatorOptions{MetricsAddress: prom.operatorMetrics, ExtraArgs: []string{
		"--allowed-prometheus-urls=" + prom.URL,
		"--prometheus-min-range=" + promMinRange.String(),
		// The shortest steady-state window the pool advice accepts, so that the advice
		// (and with it the dashboard's advised-pool panel) appears within the scenario.
		"--advice-interval=" + advice.MinWindow.String(),
	}})

	rollout := framework.QuickRollout()
	rollout.Analysis.Judge = iapiv1alpha1.JudgeCompare
	rollout.Analysis.Prometheus = &iapiv1alpha1.PrometheusSpec{Address: prom.URL}
	// A check in dryRun is judged and counted (the dashboards' dry-run panel) but never
	// decides.
	rollout.Analysis.DryRun = []iapiv1alpha1.CheckName{"poolUtilization"}
	s.createInstance(framework.InstanceOptions{Rollout: rollout})
	prom.waitTargets(t, 4)
	s.startLoad(steadyLoad())
	time.Sleep(2 * time.Second)

	queriesBefore := prom.analysisQueries(t)
	p := s.enableAsync(nil)
	queries := prom.analysisQueries(t) - queriesBefore
	if queries <= 0 {
		t.Errorf("Prometheus answered no instant query during the rollout: the analyses did not read it")
	}
	judged := 0
	for _, o := range p.watcher.Observations() {
		if a := o.Instance.Status.LastAnalysis; a != nil && o.Instance.Status.Canary != nil {
			judged++
			if a.Judge != iapiv1alpha1.JudgeCompare {
				t.Errorf("analysis %+v was decided by %q, want Compare", a, a.Judge)
			}
		}
	}
	if judged == 0 {
		t.Error("no analysis was seen during the rollout")
	}
	t.Logf("FIGURE prometheus promotion: patch→promoted %s, configured %s, %.0f Prometheus queries, load %s",
		p.promoted.Sub(p.patched).Round(100*time.Millisecond), framework.ConfiguredRolloutTime(s.get()), queries, p.load)
	p.watcher.Stop()

	// The starving pool under a burst on top of the steady load.
	burst, err := framework.StartLoad(t.Context(), framework.LoadOptions{BaseURL: s.load.BaseURL(), Concurrency: starvingLoadWorkers})
	if err != nil {
		t.Fatal(err)
	}
	defer burst.Stop()
	patched, end, cond := s.rollBackStarvingPool()
	if a := end.Instance.Status.LastAnalysis; a == nil || a.Judge != iapiv1alpha1.JudgeCompare {
		t.Errorf("the rollback's analysis %+v, want one of the Compare judge", a)
	}
	s.waitPods(time.Minute, "4 stable pods on async ready, none terminating", func(p framework.Pods) bool {
		return p.AllOn(4, "async") && p.Tracks[iapiv1alpha1.TrackStable] == 4
	})
	t.Logf("FIGURE prometheus rollback: patch→failed analysis and rollback decision %s (%s), burst %s",
		end.Time.Sub(patched).Round(100*time.Millisecond), cond.Message, burst.Counts())
	burst.Stop()

	// The advised-pool panel reads gauges the operator exports once the instance holds
	// an advice: with no rollout running, it samples the stable pods every
	// --advice-interval under the steady load.
	advised, err := framework.WaitInstance(t.Context(), s.env.client, s.key, 3*time.Minute, "a pool advice in status.recommendation",
		func(in *iapiv1alpha1.InterviewAPI) (bool, string) {
			r := in.Status.Recommendation
			if r == nil {
				return false, "no status.recommendation yet"
			}
			return r.Size != nil, r.Reason
		})
	if err != nil {
		t.Fatal(err)
	}
	r := advised.Status.Recommendation
	t.Logf("FIGURE prometheus advice: pool %d+%d (%s)", *r.Size, ptr.Deref(r.MaxOverflow, 0), r.Reason)

	// The operator's counters of the rollback and its advice reach Prometheus at its
	// next scrapes.
	time.Sleep(3 * promScrapeInterval)
	prom.checkDashboards(t, e.root, framework.DashboardView{
		Values: map[string]string{
			"namespace": regexp.QuoteMeta(s.ns),
			"instance":  regexp.QuoteMeta(s.key.Name),
			"track":     ".*", // Grafana's "All"
		},
		Start: start, End: time.Now(), Step: 2 * promScrapeInterval, ScrapeInterval: promScrapeInterval,
	}, map[string][]string{"namespace": {s.ns}, "instance": {s.key.Name}, "track": {"stable", "canary"}})
}

// scenarioPrometheus is the scenario's Prometheus and what it scrapes.
type scenarioPrometheus struct {
	*promserver.Server
	ns string
	// operatorMetrics is the address the operator serves /metrics on.
	operatorMetrics string
}

// startPrometheus creates the ServiceAccount Prometheus runs as, with a Role to list
// and watch the namespace's pods and a ClusterRole to get the operator's /metrics
// (config/rbac/metrics_reader_role.yaml's rules under a name of this scenario), writes
// its kubeconfig and token, and starts Prometheus with the scrape configuration of the
// shipped monitors.
func (s *scenario) startPrometheus() *scenarioPrometheus {
	t, ctx, c := s.t, s.t.Context(), s.env.client
	t.Helper()
	promserver.Binary(t, s.env.bin)
	const sa = "prometheus"
	readerName := s.ns + "-metrics-reader"
	reader := readClusterRole(t, filepath.Join(s.env.root, "config", "rbac", "metrics_reader_role.yaml"))
	reader.ObjectMeta = metav1.ObjectMeta{Name: readerName}
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: s.ns}}
	objects := []client.Object{
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: s.ns, Name: sa}},
		&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: s.ns, Name: sa}, Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: s.ns, Name: sa}, Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: sa}},
		reader,
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: readerName}, Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: readerName}},
	}
	for _, o := range objects {
		if err := c.Create(ctx, o); err != nil {
			t.Fatalf("create %T %s: %v", o, o.GetName(), err)
		}
	}
	// The namespace takes its own objects with it; the cluster-wide ones go here.
	t.Cleanup(func() {
		for _, o := range []client.Object{objects[3], objects[4]} {
			if err := c.Delete(context.Background(), o); err != nil {
				t.Logf("delete %T %s: %v", o, o.GetName(), err)
			}
		}
	})

	dir := filepath.Join(s.env.dir, "prometheus-"+s.ns)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	kubeconfig, token, err := s.env.cluster.ServiceAccountKubeconfig(ctx, dir, s.ns, sa, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	self, err := promserver.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	operatorMetrics, err := promserver.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := framework.ScrapeConfig(framework.ScrapeOptions{
		Root: s.env.root, Namespace: s.ns, Kubeconfig: kubeconfig,
		OperatorAddress: operatorMetrics, TokenFile: token,
		Interval: promScrapeInterval, Self: self,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := promserver.Start(t, promserver.Options{
		BinDir: s.env.bin, Config: cfg, Dir: dir, Address: self,
		Wrap: s.env.cluster.NodeCommand, Dial: s.env.cluster.DialPod,
	})
	t.Logf("Prometheus at %s (files in %s), scraping every %s", srv.URL, dir, promScrapeInterval)
	return &scenarioPrometheus{Server: srv, ns: s.ns, operatorMetrics: operatorMetrics}
}

func readClusterRole(t *testing.T, path string) *rbacv1.ClusterRole {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r rbacv1.ClusterRole
	if err := yaml.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(r.Rules) == 0 {
		t.Fatalf("%s has no rules", path)
	}
	return &r
}

// waitTargets waits until Prometheus scrapes pods server pods of the namespace and
// the operator, all up; otherwise it fails with each target's last error.
func (p *scenarioPrometheus) waitTargets(t *testing.T, pods int) {
	t.Helper()
	want := map[string]int{"interviewapi-server": pods, "interviewapi-operator": 1}
	var last string
	err := wait.PollUntilContextTimeout(t.Context(), 500*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		res, err := p.API.Targets(ctx)
		if err != nil {
			last = err.Error()
			return false, nil
		}
		up := map[string]int{}
		var states []string
		for _, tg := range res.Active {
			job := string(tg.Labels["job"])
			if tg.Health == promv1.HealthGood {
				up[job]++
			}
			states = append(states, fmt.Sprintf("%s %s %s %s", job, tg.Labels["pod"], tg.Health, tg.LastError))
		}
		last = strings.Join(states, "; ")
		return up["interviewapi-server"] == want["interviewapi-server"] && up["interviewapi-operator"] == want["interviewapi-operator"], nil
	})
	if err != nil {
		t.Fatalf("Prometheus does not scrape %v within a minute: %v; targets: %s", want, err, last)
	}
}

// analysisQueries is how many instant queries (the operator's analyses) Prometheus has
// answered, from its own metrics.
func (p *scenarioPrometheus) analysisQueries(t *testing.T) float64 {
	t.Helper()
	// Its self-scrape is a second behind.
	time.Sleep(2 * promScrapeInterval)
	v, _, _, err := p.API.Query(t.Context(), `sum(prometheus_http_requests_total{job="prometheus", handler="/api/v1/query"})`, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	vec, ok := v.(model.Vector)
	if !ok || len(vec) != 1 {
		return 0
	}
	return float64(vec[0].Value)
}

// checkDashboards evaluates every query of the shipped dashboards over the view and
// fails for each that returns no data; a variable's values must include want's.
func (p *scenarioPrometheus) checkDashboards(t *testing.T, root string, view framework.DashboardView, want map[string][]string) {
	t.Helper()
	queries, err := framework.DashboardQueries(root)
	if err != nil {
		t.Fatal(err)
	}
	var results []framework.QueryResult
	for _, q := range queries {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		r := framework.EvaluateDashboardQuery(ctx, p.API, view, q)
		cancel()
		results = append(results, r)
		switch {
		case !r.HasData():
			t.Errorf("dashboard query without data (%v): %s", q.Files, r)
		case q.Variable != "":
			for _, v := range want[q.Variable] {
				if !slices.Contains(r.Values, v) {
					t.Errorf("dashboard variable %s offers %v, want %q among them (%s)", q.Variable, r.Values, v, r.Expanded)
				}
			}
		}
	}
	t.Logf("FIGURE dashboards: %d queries evaluated over %s against Prometheus, %d with data:\n%s", len(results),
		view.End.Sub(view.Start).Round(time.Second), countWithData(results), framework.Summary(results))
}

func countWithData(rs []framework.QueryResult) int {
	n := 0
	for _, r := range rs {
		if r.HasData() {
			n++
		}
	}
	return n
}
