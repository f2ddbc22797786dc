// Package serverproc runs the real interviewapi-server, built from this repository, as a
// process of its own on a loopback port, for tests that signal it, kill it or scrape it.
package serverproc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/interviewapi/operator/test/envtest"
	"github.com/interviewapi/operator/test/pgtest"
	"github.com/interviewapi/operator/test/syncbuf"
)

// Build compiles ./cmd/interviewapi-server into dir and returns the binary's path.
func Build(dir string) (string, error) {
	out := filepath.Join(dir, "interviewapi-server")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/interviewapi-server")
	cmd.Dir = envtest.RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/interviewapi-server: %v\n%s", err, b)
	}
	return out, nil
}

// Server is one interviewapi-server process serving on a loopback port.
type Server struct {
	// Base is http://127.0.0.1:PORT.
	Base string
	// Log is everything the process wrote.
	Log    *syncbuf.Buffer
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
}

// Start runs bin with LISTEN_ADDR on a free loopback port and env (KEY=VALUE) added to
// this process's environment, and waits until it serves and /readyz answers 200. A
// process still running when the test ends is killed; its log is shown if the test
// failed.
func Start(t *testing.T, bin string, env ...string) *Server {
	t.Helper()
	s := &Server{Log: &syncbuf.Buffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin)
	s.cmd.Env = append(append(os.Environ(), "LISTEN_ADDR=127.0.0.1:0"), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.Log, s.Log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
		if t.Failed() {
			t.Logf("server log (pid %d):\n%s", s.cmd.Process.Pid, s.Log.String())
		}
	})
	s.Base = "http://" + s.listenAddr(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := Ready(s.Base)
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready within 30s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// listenAddr waits for the JSON log line {"msg":"serving","addr":…}.
func (s *Server) listenAddr(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(s.Log.String(), "\n") {
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "serving" && l.Addr != "" {
				return l.Addr
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("the server exited before serving: %v\n%s", s.err, s.Log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("the server logged no listen address within 30s:\n%s", s.Log.String())
	return ""
}

// Signal sends sig to the process and waits up to timeout for it to exit, returning
// its exit error (nil for a clean exit).
func (s *Server) Signal(t *testing.T, sig syscall.Signal, timeout time.Duration) error {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("send %v to the server: %v", sig, err)
	}
	select {
	case <-s.exited:
		return s.err
	case <-time.After(timeout):
		t.Fatalf("the server still runs %s after %v", timeout, sig)
		return nil
	}
}

// Exited is closed once the process has exited; Err then says how.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Err is the process's exit error, once Exited is closed.
func (s *Server) Err() error { return s.err }

// Ready is nil once base/readyz answers 200.
func Ready(base string) error {
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(base + "/readyz")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz %d", resp.StatusCode)
	}
	return nil
}

// Main builds the server into a temporary folder, stores its path in bin and runs the
// package's tests with a PostgreSQL (pgtest.Main). Use it from TestMain:
// `func TestMain(m *testing.M) { os.Exit(serverproc.Main(m, &serverBinary)) }`.
func Main(m *testing.M, bin *string) int {
	dir, err := os.MkdirTemp("", "interviewapi-server-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if *bin, err = Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return pgtest.Main(m)
}
