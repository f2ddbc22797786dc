package crash

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/interviewapi/operator/test/envtest"
	"github.com/interviewapi/operator/test/syncbuf"
)

// serverBinary is the interviewapi-server built from this repository by TestMain.
var serverBinary string

// buildServer compiles ./cmd/interviewapi-server into dir.
func buildServer(dir string) (string, error) {
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

// server is one interviewapi-server process serving on a loopback port.
type server struct {
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:PORT
	log    *syncbuf.Buffer
	exited chan struct{}
	err    error // the process's exit, once exited is closed
}

// startServer runs the server binary with the given engine against databaseURL and
// waits until it serves and /readyz answers 200. A process still running when the test
// ends is killed.
func startServer(t *testing.T, databaseURL, mode string) *server {
	t.Helper()
	s := &server{log: &syncbuf.Buffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(serverBinary)
	s.cmd.Env = append(os.Environ(),
		"DATABASE_URL="+databaseURL,
		"ASYNC_DATABASE_ENABLED="+fmt.Sprint(mode == "async"),
		"LISTEN_ADDR=127.0.0.1:0",
		"ASYNC_DATABASE_POOL_SIZE=4",
		"ASYNC_DATABASE_MAX_OVERFLOW=4",
		// Requests that find no connection give up quickly while the database is down.
		"ASYNC_DATABASE_POOL_TIMEOUT=2",
		"SHUTDOWN_TIMEOUT=20s",
	)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", serverBinary, err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.exited
		if t.Failed() {
			t.Logf("server log (pid %d):\n%s", s.cmd.Process.Pid, s.log.String())
		}
	})
	s.base = "http://" + s.listenAddr(t)
	waitFor(t, 30*time.Second, "server ready", func() error { return ready(s.base) })
	return s
}

// listenAddr waits for the JSON log line {"msg":"serving","addr":…}.
func (s *server) listenAddr(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, line := range strings.Split(s.log.String(), "\n") {
			var l struct{ Msg, Addr string }
			if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "serving" && l.Addr != "" {
				return l.Addr
			}
		}
		select {
		case <-s.exited:
			t.Fatalf("the server exited before serving: %v\n%s", s.err, s.log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("the server logged no listen address within 30s:\n%s", s.log.String())
	return ""
}

// signal sends sig to the process and waits up to timeout for it to exit, returning
// its exit error (nil for a clean exit).
func (s *server) signal(t *testing.T, sig syscall.Signal, timeout time.Duration) error {
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

// waitFor polls check every 50 ms until it returns nil, or fails the test after timeout
// with its last error.
func waitFor(t *testing.T, timeout time.Duration, what string, check func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := check()
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
