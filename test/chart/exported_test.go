package chart

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/metricnames"
	"github.com/interviewapi/operator/test/envtest"
	"github.com/interviewapi/operator/test/loopback"
	"github.com/interviewapi/operator/test/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// prometheusSeries are series Prometheus makes itself for every target.
var prometheusSeries = map[string]bool{"up": true}

// TestPromQLMetricsAreExported: every metric the dashboards and alerts query is exported
// by the server (in both database modes) or by the operator, as seen by scraping the
// real binaries, so renaming a metric breaks this test rather than a dashboard.
func TestPromQLMetricsAreExported(t *testing.T) {
	used := map[string][]string{} // metric → where it is used
	for _, e := range allExpressions(t) {
		names, err := metricNames(e.expr)
		if err != nil {
			t.Fatalf("%s: %v", e.source, err)
		}
		for _, n := range names {
			used[n] = append(used[n], e.source)
		}
	}

	server := buildCommand(t, "cmd/interviewapi-server")
	syncNames := serverSeries(t, server, false)
	asyncNames := serverSeries(t, server, true)
	operatorNames := operatorSeries(t, buildCommand(t, "cmd/interviewapi-operator"))

	var missing []string
	for name, where := range used {
		inServer := syncNames[name] && asyncNames[name]
		if inServer || operatorNames[name] || prometheusSeries[name] {
			continue
		}
		why := "exported by neither the server nor the operator"
		switch {
		case syncNames[name]:
			why = "exported by the server in sync mode only"
		case asyncNames[name]:
			why = "exported by the server in async mode only"
		}
		slices.Sort(where)
		missing = append(missing, name+": "+why+"; used in "+strings.Join(slices.Compact(where), ", "))
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Error(m)
	}
}

// serverSeries runs interviewapi-server on a fresh database, sends it a little of every
// kind of traffic so that labelled series exist, and scrapes its /metrics.
func serverSeries(t *testing.T, bin string, async bool) map[string]bool {
	t.Helper()
	addr := loopback.FreeAddr(t)
	env := []string{
		"DATABASE_URL=" + pgtest.NewDatabase(t),
		"LISTEN_ADDR=" + addr,
		"ASYNC_DATABASE_ENABLED=" + map[bool]string{false: "false", true: "true"}[async],
		"ASYNC_DATABASE_MONITORING_ENABLED=true",
	}
	runToCompletion(t, bin, env, "migrate")
	p := startProcess(t, bin, env)
	base := "http://" + addr
	waitHTTP(t, p, base+"/readyz", 30*time.Second)

	client := &http.Client{Timeout: 10 * time.Second}
	requests := []struct{ method, path, body string }{
		{"POST", "/api/v1/parse-jd", `{"job_description": "Senior Backend Engineer: Go, PostgreSQL and Kubernetes; we build APIs.", "num_questions": 3}`},
		{"POST", "/api/v1/parse-jd", `{"job_description": `},
		{"POST", "/api/v1/analyze-answer", `{"question_id": "q-unknown", "answer": "An answer."}`},
		{"GET", "/api/v1/services", ""},
		{"GET", "/api/v1/sessions/does-not-exist", ""},
		{"GET", "/health", ""},
		{"GET", "/monitoring/database", ""},
	}
	for _, r := range requests {
		req, err := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", r.method, r.path, err)
		}
		resp.Body.Close()
	}
	return seriesNames(scrape(t, base+"/metrics"))
}

// operatorSeries runs interviewapi-operator against a real API server, lets it
// reconcile the sample InterviewAPI and scrapes its /metrics.
func operatorSeries(t *testing.T, bin string) map[string]bool {
	t.Helper()
	env := envtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	metricsAddr, probeAddr := loopback.FreeAddr(t), loopback.FreeAddr(t)
	p := startProcess(t, bin, nil,
		"--kubeconfig="+writeKubeconfig(t, env),
		"--leader-elect=false",
		"--metrics-bind-address="+metricsAddr,
		// Plain HTTP, as for a local run: the series are what this test reads; the
		// HTTPS endpoint's authorisation is cmd/interviewapi-operator's test.
		"--metrics-secure=false",
		"--health-probe-bind-address="+probeAddr,
		"--log-level=error")
	waitHTTP(t, p, "http://"+probeAddr+"/readyz", 30*time.Second)

	const ns = "metrics-test"
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(repoPath("config/samples/apps_v1alpha1_interviewapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var sample iapiv1alpha1.InterviewAPI
	if err := yaml.UnmarshalStrict(data, &sample); err != nil {
		t.Fatalf("config/samples/apps_v1alpha1_interviewapi.yaml: %v", err)
	}
	sample.Namespace = ns
	if err := env.Client.Create(ctx, &sample); err != nil {
		t.Fatalf("create the sample InterviewAPI: %v", err)
	}

	// The instance's series appear once the operator has reconciled it, which its
	// status' observedGeneration says.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var got iapiv1alpha1.InterviewAPI
		if err := env.Client.Get(ctx, clientKey(ns, sample.Name), &got); err == nil && got.Status.ObservedGeneration == got.Generation {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the operator did not reconcile the sample within 30s\noutput:\n%s", p.output.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	// The advised pool's gauges exist once status.recommendation holds an advice (the
	// envtest has no pods to measure, so the test writes one) and a pass has seen it:
	// a label change brings one.
	var got iapiv1alpha1.InterviewAPI
	if err := env.Client.Get(ctx, clientKey(ns, sample.Name), &got); err != nil {
		t.Fatal(err)
	}
	size, overflow := int32(4), int32(5)
	got.Status.Recommendation = &iapiv1alpha1.PoolRecommendation{Time: metav1.Now(), Mode: "sync", Size: &size, MaxOverflow: &overflow, Reason: "written by the test"}
	if err := env.Client.Status().Update(ctx, &got); err != nil {
		t.Fatalf("write status.recommendation: %v", err)
	}
	// An instance's rollout and analysis series exist once it has a canary: the
	// same update turns the async engine on, which starts one.
	got.Labels = map[string]string{"exported-test": "advice"}
	got.Spec.Database.Async.Enabled = true
	if err := env.Client.Update(ctx, &got); err != nil {
		t.Fatalf("label the sample and start a canary: %v", err)
	}
	for {
		names := seriesNames(scrape(t, "http://"+metricsAddr+"/metrics"))
		if names[metricnames.PoolRecommendedSize] && names["interviewapi_rollout_promotions_total"] {
			return names
		}
		if time.Now().After(deadline.Add(30 * time.Second)) {
			t.Fatalf("the operator exported no %s or no rollout series within 30s of an advice in status and a canary\noutput:\n%s", metricnames.PoolRecommendedSize, p.output.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// writeKubeconfig writes a kubeconfig for the test API server's admin user.
func writeKubeconfig(t *testing.T, env *envtest.Env) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["envtest"] = &clientcmdapi.Cluster{Server: env.Config.Host, CertificateAuthorityData: env.Config.CAData}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: env.Config.CertData,
		ClientKeyData:         env.Config.KeyData,
		Token:                 env.Config.BearerToken,
	}
	cfg.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin", Namespace: "default"}
	cfg.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}
