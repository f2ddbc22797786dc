package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/interviewapi/operator/hack/procstat"
	"github.com/interviewapi/operator/test/envtest"
	"github.com/interviewapi/operator/test/loopback"
)

// operatorProcess is cmd/interviewapi-operator running as a process of its own, so that
// its memory and CPU are its own, talking to the API server through the counting proxy.
type operatorProcess struct {
	cmd        *exec.Cmd
	metricsURL string
	done       chan error
}

// buildOperator compiles cmd/interviewapi-operator into dir.
func buildOperator(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "interviewapi-operator")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/interviewapi-operator")
	cmd.Dir = envtest.RepoRoot()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build the operator: %w", err)
	}
	return bin, nil
}

// writeKubeconfig points a kubeconfig at the proxy (plain HTTP on loopback; the proxy
// holds the credentials).
func writeKubeconfig(dir, server string) (string, error) {
	kc := clientcmdapi.NewConfig()
	kc.Clusters["bench"] = &clientcmdapi.Cluster{Server: server}
	kc.AuthInfos["bench"] = &clientcmdapi.AuthInfo{}
	kc.Contexts["bench"] = &clientcmdapi.Context{Cluster: "bench", AuthInfo: "bench", Namespace: "default"}
	kc.CurrentContext = "bench"
	path := filepath.Join(dir, "kubeconfig")
	return path, clientcmd.WriteToFile(*kc, path)
}

// startOperator runs the operator binary; its log goes to logPath.
func startOperator(bin, kubeconfig, logPath string, extraArgs []string) (*operatorProcess, error) {
	port, err := loopback.FreePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--kubeconfig=" + kubeconfig,
		"--metrics-bind-address=127.0.0.1:" + strconv.Itoa(port),
		// The benchmark reads the operator's metrics over plain HTTP on loopback.
		"--metrics-secure=false",
		"--health-probe-bind-address=0",
		"--leader-elect=true",
		"--leader-election-namespace=default",
	}, extraArgs...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start the operator: %w", err)
	}
	p := &operatorProcess{cmd: cmd, metricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", port), done: make(chan error, 1)}
	go func() {
		p.done <- cmd.Wait()
		logFile.Close()
	}()
	return p, nil
}

func (p *operatorProcess) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM and waits for the operator to exit; an operator that does not
// exit cleanly within 20 s (it is killed then) is an error: the benchmark's figures
// come from an operator that shut down as users' do.
func (p *operatorProcess) stop() error {
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-p.done:
		if err != nil {
			return fmt.Errorf("the operator exited after SIGTERM with: %w", err)
		}
		return nil
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		return fmt.Errorf("the operator had not exited 20s after SIGTERM and was killed (%v)", <-p.done)
	}
}

// usage is the operator's memory and CPU at one moment.
type usage struct {
	at  time.Time
	rss int64 // KiB
	hwm int64 // KiB
	cpu time.Duration
}

func (p *operatorProcess) usage() (usage, error) {
	m, err := procstat.ReadMemory(p.pid())
	if err != nil {
		return usage{}, err
	}
	st, err := procstat.ReadStat(p.pid())
	if err != nil {
		return usage{}, err
	}
	return usage{at: time.Now(), rss: m.RSS, hwm: m.HWM, cpu: st.CPU}, nil
}

// cpuShare is the CPU the operator used between two usages, in cores.
func cpuShare(a, b usage) float64 {
	wall := b.at.Sub(a.at)
	if wall <= 0 {
		return 0
	}
	return float64(b.cpu-a.cpu) / float64(wall)
}

// operatorMetrics are the operator's own figures read from its /metrics.
type operatorMetrics struct {
	reconcile  []bucket // controller_runtime_reconcile_time_seconds
	reconciles float64
}

func (p *operatorProcess) metrics(ctx context.Context) (operatorMetrics, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.metricsURL, nil)
	if err != nil {
		return operatorMetrics{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return operatorMetrics{}, fmt.Errorf("scrape the operator: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return operatorMetrics{}, fmt.Errorf("scrape the operator: HTTP %d: %s", resp.StatusCode, b)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return operatorMetrics{}, fmt.Errorf("parse the operator's metrics: %w", err)
	}
	var m operatorMetrics
	m.reconcile = histogramOf(families["controller_runtime_reconcile_time_seconds"], "controller", "interviewapi")
	if f := families["controller_runtime_reconcile_total"]; f != nil {
		for _, s := range f.GetMetric() {
			if hasLabel(s, "controller", "interviewapi") {
				m.reconciles += s.GetCounter().GetValue()
			}
		}
	}
	if m.reconcile == nil {
		return m, fmt.Errorf("the operator's metrics have no controller_runtime_reconcile_time_seconds for the interviewapi controller")
	}
	return m, nil
}

func histogramOf(f *dto.MetricFamily, label, value string) []bucket {
	if f == nil {
		return nil
	}
	for _, s := range f.GetMetric() {
		if !hasLabel(s, label, value) || s.GetHistogram() == nil {
			continue
		}
		var out []bucket
		for _, b := range s.GetHistogram().GetBucket() {
			out = append(out, bucket{upper: b.GetUpperBound(), count: float64(b.GetCumulativeCount())})
		}
		return append(out, bucket{upper: math.Inf(1), count: float64(s.GetHistogram().GetSampleCount())})
	}
	return nil
}

func hasLabel(s *dto.Metric, name, value string) bool {
	for _, l := range s.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}
