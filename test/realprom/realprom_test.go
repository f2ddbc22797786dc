// Package realprom runs the canary analysis against a real Prometheus (bin/prometheus,
// built by `make tools`) that scrapes real interviewapi-server processes on loopback,
// labelled as the PodMonitor labels server pods: the operator's Prometheus source must
// read what Prometheus stored, pass a healthy canary and fail a starving one.
package realprom

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/poolhealth"
	"github.com/interviewapi/operator/test/envtest"
	"github.com/interviewapi/operator/test/pgtest"
	"github.com/interviewapi/operator/test/serverproc"
	"github.com/interviewapi/operator/test/syncbuf"
)

var serverBinary string

func TestMain(m *testing.M) { os.Exit(serverproc.Main(m, &serverBinary)) }

// target is one server process as Prometheus sees it.
type target struct {
	Pod, Track, Revision string
	srv                  *serverproc.Server
}

// Host is host:port of the target's /metrics.
func (t target) Host() string { return strings.TrimPrefix(t.srv.Base, "http://") }

// The PodMonitor's relabelling, written as static labels.
var scrapeConfig = template.Must(template.New("prometheus.yml").Parse(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: interviewapi-server
    static_configs:
{{- range .}}
      - targets: ["{{.Host}}"]
        labels: {namespace: shop, interviewapi: interview, pod: "{{.Pod}}", track: "{{.Track}}", revision: "{{.Revision}}"}
{{- end}}
`))

// Analysis window: at least two scrapes (1s apart) of every series inside it.
const window = 8 * time.Second

func TestAnalysisReadsRealPrometheus(t *testing.T) {
	prometheusBin := filepath.Join(envtest.RepoRoot(), "bin", "prometheus")
	if _, err := os.Stat(prometheusBin); err != nil {
		t.Fatalf("%s not found: run `make tools` (it builds prometheus from the Go module proxy, pinned in hack/tools/prometheus)", prometheusBin)
	}
	db := pgtest.NewDatabase(t)
	common := []string{"DATABASE_URL=" + db, "GENERATOR_LATENCY=150ms"}
	targets := []target{
		{Pod: "interview-stable-a", Track: "stable", Revision: "sync1",
			srv: serverproc.Start(t, serverBinary, append(common, "ASYNC_DATABASE_ENABLED=false", "ASYNC_DATABASE_POOL_SIZE=8")...)},
		{Pod: "interview-canary-healthy", Track: "canary", Revision: "async1",
			srv: serverproc.Start(t, serverBinary, append(common, "ASYNC_DATABASE_ENABLED=true", "ASYNC_DATABASE_POOL_SIZE=8")...)},
		// The sync engine holds its one connection across the 150ms generator call, and
		// requests give up after 100ms: concurrent clients starve it.
		{Pod: "interview-canary-starving", Track: "canary", Revision: "sync2",
			srv: serverproc.Start(t, serverBinary, append(common, "ASYNC_DATABASE_ENABLED=false", "ASYNC_DATABASE_POOL_SIZE=1",
				"ASYNC_DATABASE_MAX_OVERFLOW=0", "ASYNC_DATABASE_POOL_TIMEOUT=0.1")...)},
	}
	address := startPrometheus(t, prometheusBin, targets)

	since := time.Now()
	stop := startLoad(targets, 6)
	defer stop()

	src, err := poolhealth.NewPrometheusSource(address, poolhealth.WithMinRange(window))
	if err != nil {
		t.Fatal(err)
	}
	stable := []poolhealth.Pod{{Name: "interview-stable-a"}}
	for _, tc := range []struct {
		pod, mode, want string
	}{
		{"interview-canary-healthy", "async", v1alpha1.VerdictPass},
		{"interview-canary-starving", "sync", v1alpha1.VerdictFail},
	} {
		q := poolhealth.Query{Namespace: "shop", Instance: "interview", Canary: []poolhealth.Pod{{Name: tc.pod}}, Stable: stable,
			Interval: window, Since: since}
		criteria := poolhealth.CriteriaFor(v1alpha1.AnalysisSpec{}, tc.mode)
		// Pending while the window fills, and Inconclusive while Prometheus holds too
		// few scrapes of it; the first verdict after that is the one judged.
		var res *v1alpha1.AnalysisResult
		deadline := time.Now().Add(time.Minute)
		for res == nil || res.Verdict == v1alpha1.VerdictInconclusive {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no verdict within a minute (last: %+v)", tc.pod, res)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			r, wait := poolhealth.MeasureAndJudge(ctx, src, q, criteria, time.Now())
			cancel()
			if res = r; res == nil || res.Verdict == v1alpha1.VerdictInconclusive {
				time.Sleep(max(wait, time.Second))
			}
		}
		t.Logf("%s: %s — %s", tc.pod, res.Verdict, res.Message)
		if res.Verdict != tc.want {
			t.Errorf("%s: verdict %s, want %s: %s %+v", tc.pod, res.Verdict, tc.want, res.Message, res.Metrics)
		}
	}
}

// startPrometheus runs bin/prometheus on a free loopback port with a static scrape
// config of the targets and returns its URL once it is ready.
func startPrometheus(t *testing.T, bin string, targets []target) string {
	t.Helper()
	dir := t.TempDir()
	var cfg bytes.Buffer
	if err := scrapeConfig.Execute(&cfg, targets); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), cfg.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	log := &syncbuf.Buffer{}
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("prometheus log:\n%s", log.String())
		}
	})
	url := "http://" + addr
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready within a minute: %v\n%s", err, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startLoad sends parse-jd requests from workers clients to each target until stop is
// called, at most two minutes and 20,000 requests in all.
func startLoad(targets []target, workers int) (stop func()) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent := 0
	client := &http.Client{Timeout: 10 * time.Second}
	body := `{"job_description":"Go developer: services on Kubernetes with PostgreSQL.","num_questions":2}`
	for _, tg := range targets {
		for range workers {
			wg.Go(func() {
				for ctx.Err() == nil {
					mu.Lock()
					sent++
					over := sent > 20000
					mu.Unlock()
					if over {
						return
					}
					req, _ := http.NewRequestWithContext(ctx, http.MethodPost, tg.srv.Base+"/api/v1/parse-jd", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					if resp, err := client.Do(req); err == nil {
						resp.Body.Close()
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
		}
	}
	return func() { cancel(); wg.Wait() }
}
