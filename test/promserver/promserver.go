// Package promserver runs a real Prometheus (bin/prometheus, built by `make tools` from
// the module pinned in hack/tools/prometheus) for a test: its own folder, a free
// loopback port, the scrape configuration the test writes, and its end when the test
// ends. test/realprom and the end-to-end suite share it.
package promserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
)

// Options say how to run Prometheus.
type Options struct {
	// BinDir holds prometheus (the repository's bin/).
	BinDir string
	// Config is the content of prometheus.yml.
	Config string
	// Dir holds prometheus.yml, the data and prometheus.log; empty: a temporary folder
	// of the test.
	Dir string
	// Wrap, when set, turns the program and its arguments into the command that runs
	// it (the real node's localcluster.Cluster.NodeCommand puts it inside the node's
	// network namespace, where the pods are).
	Wrap func(path string, args []string) (string, []string)
	// Dial, when set, is how the test reaches Prometheus (localcluster.Cluster.DialPod
	// for one started with the real node's Wrap); nil dials from the test's own
	// network namespace.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Address is where it listens (127.0.0.1:PORT); empty: a free loopback port.
	Address string
	// ReadyTimeout bounds the start; zero means a minute.
	ReadyTimeout time.Duration
}

// Server is a running Prometheus.
type Server struct {
	// URL is its HTTP API's address, http://127.0.0.1:PORT.
	URL string
	// API queries it.
	API promv1.API
	// LogPath holds its output.
	LogPath string
	// Client is an HTTP client that reaches it (through Options.Dial).
	Client *http.Client
}

// Binary is bin/prometheus of binDir; the test fails, saying how to build it, if it is
// missing.
func Binary(t testing.TB, binDir string) string {
	t.Helper()
	bin := filepath.Join(binDir, "prometheus")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s not found: run `make tools` (it builds prometheus from the Go module proxy, pinned in hack/tools/prometheus)", bin)
	}
	return bin
}

// flushTime is how often the scrape manager applies new targets of service discovery
// (Prometheus' default is 5s): a canary pod is scraped within about a second of the
// watch telling Prometheus about it.
const flushTime = "1s"

// Start runs Prometheus on a free loopback port and returns once it is ready. The
// test's cleanup kills it and shows its log if the test failed.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	bin := Binary(t, o.BinDir)
	dir := o.Dir
	if dir == "" {
		dir = t.TempDir()
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(o.Config), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := o.Address
	if addr == "" {
		var err error
		if addr, err = FreeAddr(); err != nil {
			t.Fatal(err)
		}
	}
	logPath := filepath.Join(dir, "prometheus.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	path, args := bin, []string{"--config.file=" + cfg, "--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr, "--scrape.discovery-reload-interval=" + flushTime}
	if o.Wrap != nil {
		path, args = o.Wrap(path, args)
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatalf("start prometheus: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); log.Close(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("prometheus log (%s):\n%s", logPath, b)
		}
	})

	s := &Server{URL: "http://" + addr, LogPath: logPath, Client: &http.Client{Timeout: 30 * time.Second}}
	if o.Dial != nil {
		s.Client.Transport = &http.Transport{DialContext: o.Dial}
	}
	c, err := api.NewClient(api.Config{Address: s.URL, Client: s.Client})
	if err != nil {
		t.Fatal(err)
	}
	s.API = promv1.NewAPI(c)
	if err := s.waitReady(done, max(o.ReadyTimeout, time.Minute)); err != nil {
		b, _ := os.ReadFile(logPath)
		hint := ""
		if strings.Contains(string(b), "_sd_configs not found") {
			hint = " (" + bin + " was built without that service discovery: `make tools` rebuilds it with the tags in hack/tools/prometheus/build-tags)"
		}
		t.Fatalf("%v%s", err, hint)
	}
	return s
}

// waitReady polls /-/ready until it answers 200, the process exits, or timeout passes.
func (s *Server) waitReady(exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		select {
		case <-exited:
			return errors.New("prometheus exited before it was ready")
		default:
		}
		resp, err := s.Client.Get(s.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/-/ready answered %s", resp.Status)
		}
		last = err
		if time.Now().After(deadline) {
			return fmt.Errorf("prometheus not ready within %s: %w", timeout, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// FreeAddr is 127.0.0.1:PORT with a port nothing listens on now. A program started
// with the real node's NodeCommand binds it inside the node's network namespace, whose
// loopback holds only the cluster's own listeners.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}
