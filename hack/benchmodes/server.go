package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/interviewapi/operator/test/loopback"
)

// serverSettings are the environment of one server process (README.md, "Configuration (environment)").
type serverSettings struct {
	databaseURL      string
	async            bool
	poolSize         int
	maxOverflow      int
	generatorLatency time.Duration
	// generatorURL, when set, is the external generator (AI_PROVIDER_URL): the sweep's
	// fake model on loopback.
	generatorURL string
	// pprofAddr, when set, turns on the server's --pprof-addr listener.
	pprofAddr string
}

func (s serverSettings) environ(listen string) []string {
	env := os.Environ()
	if s.generatorURL != "" {
		env = append(env, "AI_PROVIDER_URL="+s.generatorURL, "AI_PROVIDER_MODEL=bench-fake")
	}
	return append(env,
		"DATABASE_URL="+s.databaseURL,
		"ASYNC_DATABASE_ENABLED="+strconv.FormatBool(s.async),
		"ASYNC_DATABASE_POOL_SIZE="+strconv.Itoa(s.poolSize),
		"ASYNC_DATABASE_MAX_OVERFLOW="+strconv.Itoa(s.maxOverflow),
		"GENERATOR_LATENCY="+s.generatorLatency.String(),
		"LISTEN_ADDR="+listen,
		// A benchmark measures the server, not its access log on a shared terminal.
		"GIN_MODE=release",
	)
}

// buildServer compiles cmd/interviewapi-server into binDir and returns the binary's path.
func buildServer(ctx context.Context, binDir string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", binDir+string(filepath.Separator), "./cmd/interviewapi-server")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/interviewapi-server: %w\n%s", err, out)
	}
	return filepath.Join(binDir, "interviewapi-server"), nil
}

// migrate applies the schema and the question bank with the server's own subcommand.
func migrate(ctx context.Context, bin, databaseURL string) error {
	cmd := exec.CommandContext(ctx, bin, "migrate")
	cmd.Env = serverSettings{databaseURL: databaseURL, poolSize: 1}.environ("127.0.0.1:0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s migrate: %w\n%s", bin, err, out)
	}
	return nil
}

// server is one running interviewapi-server process.
type server struct {
	cmd     *exec.Cmd
	url     string
	logPath string
	exited  chan struct{}
	waitErr error
}

// startServer runs bin with settings on a free loopback port and waits until /readyz
// answers 200. Its output goes to logPath.
func startServer(ctx context.Context, bin string, settings serverSettings, logPath string) (*server, error) {
	port, err := loopback.FreePort()
	if err != nil {
		return nil, err
	}
	listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the server log: %w", err)
	}
	var args []string
	if settings.pprofAddr != "" {
		args = append(args, "--pprof-addr", settings.pprofAddr)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = settings.environ(listen)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	s := &server{cmd: cmd, url: "http://" + listen, logPath: logPath, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		_ = logFile.Close()
		close(s.exited)
	}()
	if err := s.waitReady(ctx, 30*time.Second); err != nil {
		_ = s.stop()
		return nil, err
	}
	return s, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

func (s *server) waitReady(ctx context.Context, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil}}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("server exited before it was ready (%v); log: %s", s.waitErr, s.logPath)
		case <-ctx.Done():
			return fmt.Errorf("server not ready at %s/readyz after %s; log: %s", s.url, within, s.logPath)
		case <-tick.C:
		}
	}
}

// stop asks the server to shut down gracefully and kills it if it has not within the
// server's default SHUTDOWN_TIMEOUT and a margin.
func (s *server) stop() error {
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signalling the server: %w", err)
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(25 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("server did not stop within 25s of SIGTERM and was killed; log: %s", s.logPath)
	}
}
