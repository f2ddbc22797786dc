package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"

	"github.com/interviewapi/operator/internal/app"
	"github.com/interviewapi/operator/internal/config"
	"github.com/interviewapi/operator/internal/resources"
	"github.com/interviewapi/operator/test/pgtest"
	"github.com/interviewapi/operator/test/syncbuf"
)

// logBuffer collects a server's JSON log lines.
type logBuffer struct{ syncbuf.Buffer }

// line returns the first log line whose message starts with prefix, decoded, or nil.
func (b *logBuffer) line(prefix string) map[string]any {
	sc := bufio.NewScanner(strings.NewReader(b.String()))
	for sc.Scan() {
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) == nil {
			if msg, _ := l["msg"].(string); strings.HasPrefix(msg, prefix) {
				return l
			}
		}
	}
	return nil
}

// drainingServer is an App serving on a loopback port with its log kept and the given
// drain grace; sigterm cancels its context, as SIGTERM does.
type drainingServer struct {
	base    string
	log     *logBuffer
	done    chan error
	sigterm context.CancelFunc
}

// startDrainingServer serves an App of cfg with the given drain grace; it does not wait
// for it to be ready.
func startDrainingServer(tb testing.TB, cfg config.Config, grace time.Duration) *drainingServer {
	tb.Helper()
	logs := &logBuffer{}
	a, err := app.New(cfg, slog.New(slog.NewJSONHandler(logs, nil)), "test")
	if err != nil {
		tb.Fatal(err)
	}
	a.SetDrain(clock.RealClock{}, grace)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &drainingServer{base: "http://" + ln.Addr().String(), log: logs, done: make(chan error, 1), sigterm: cancel}
	go func() { s.done <- a.Serve(ctx, ln) }()
	tb.Cleanup(cancel)
	return s
}

// drainTestConfig is a server on a database of its own.
func drainTestConfig(t *testing.T) config.Config {
	t.Helper()
	cfg, err := config.Load(map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// served waits for Serve to return (a hang guard, not a speed bound) and returns its error.
func (s *drainingServer) served(tb testing.TB) error {
	tb.Helper()
	select {
	case err := <-s.done:
		return err
	case <-time.After(60 * time.Second):
		tb.Fatal("Serve did not return within 60s of the cancellation")
		return nil
	}
}

// exchange sends one POST on client and reports whether it reused a kept-alive connection
// and which local address it used.
type exchange struct {
	resp   *http.Response
	body   string
	reused bool
	local  string
}

func post(t *testing.T, client *http.Client, url, body string) (exchange, error) {
	t.Helper()
	var ex exchange
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		ex.reused, ex.local = info.Reused, info.Conn.LocalAddr().String()
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
		http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return ex, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	ex.resp, ex.body = resp, string(raw)
	return ex, err
}

// TestDrainAnswersKeptAliveConnection is the keep-alive client of a pod being stopped: its
// connection is idle when SIGTERM arrives, and its next request, a POST the client
// cannot safely retry, goes out on that same connection during the drain. It must be
// answered, with `Connection: close`, and Serve must then end cleanly because that
// connection closed, not because the grace ran out. (Before the drain, Shutdown closed
// the idle connection at once and the POST failed.)
func TestDrainAnswersKeptAliveConnection(t *testing.T) {
	// A grace far longer than the test: the drain can only end by the connection closing.
	s := startDrainingServer(t, drainTestConfig(t), time.Hour)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections() // ends the drain should the server not close the connection
	eventually(t, 30*time.Second, "server ready", func() bool {
		resp, err := client.Get(s.base + "/readyz")
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	body := `{"job_description":"` + jobDescription + `"}`
	first, err := post(t, client, s.base+"/api/v1/parse-jd", body)
	if err != nil {
		t.Fatal(err)
	}
	if first.resp.StatusCode != http.StatusCreated || first.resp.Close {
		t.Fatalf("before SIGTERM: %d (Close %v) %s, want 201 on a kept-alive connection", first.resp.StatusCode, first.resp.Close, first.body)
	}

	s.sigterm()
	eventually(t, 30*time.Second, "drain begun", func() bool { return s.log.line("draining") != nil })
	second, err := post(t, client, s.base+"/api/v1/parse-jd", body)
	if err != nil {
		t.Fatalf("a POST on the kept-alive connection during the drain failed: %v", err)
	}
	if !second.reused || second.local != first.local {
		t.Errorf("the POST during the drain went out on a new connection (%s, reused %v), not the kept-alive %s", second.local, second.reused, first.local)
	}
	if second.resp.StatusCode != http.StatusCreated {
		t.Errorf("during the drain: %d %s, want 201", second.resp.StatusCode, second.body)
	}
	// The client reads `Connection: close` into resp.Close (and drops the header).
	if !second.resp.Close {
		t.Error("the answer during the drain does not carry Connection: close")
	}

	if err := s.served(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	drained := s.log.line("drained")
	if drained == nil {
		t.Fatal(`no "drained" log line`)
	}
	for key, want := range map[string]any{
		"msg": "drained: every connection closed", "open_at_start": 1.0, "closed": 1.0,
		"idle_closed_at_shutdown": 0.0, "active_at_shutdown": 0.0,
	} {
		if drained[key] != want {
			t.Errorf("drained log %s = %v, want %v (line %v)", key, drained[key], want, drained)
		}
	}
}

// TestDrainWithNoConnectionEndsAtOnce: a server with no connection open at SIGTERM goes
// straight to Shutdown. Its grace is an hour, so a drain that waited for it would never
// let Serve return; the log says why it ended.
func TestDrainWithNoConnectionEndsAtOnce(t *testing.T) {
	s := startDrainingServer(t, drainTestConfig(t), time.Hour)
	s.sigterm()
	if err := s.served(t); err != nil {
		t.Fatalf("Serve: %v", err)
	}
	drained := s.log.line("drained")
	if drained == nil || drained["msg"] != "drained: no connection open" || drained["open_at_start"] != 0.0 {
		t.Errorf("drained log line %v, want the reason no connection open with open_at_start 0", drained)
	}
}

// TestShutdownFitsTerminationGracePeriod: a server pod's stop — the preStop sleep, the
// drain and Shutdown's wait for in-flight requests at the default SHUTDOWN_TIMEOUT — fits
// the termination grace period its pods get (the operator leaves it at the API's
// default, internal/resources TestDeployment), so the kubelet never kills a pod that
// is still finishing requests.
func TestShutdownFitsTerminationGracePeriod(t *testing.T) {
	cfg, err := config.Load(map[string]string{"DATABASE_URL": "postgres://127.0.0.1:1/none"})
	if err != nil {
		t.Fatal(err)
	}
	stop := resources.ShutdownDelay + app.DrainGrace + cfg.ShutdownTimeout
	grace := time.Duration(corev1.DefaultTerminationGracePeriodSeconds) * time.Second
	if stop > grace {
		t.Errorf("preStop %s + drain %s + SHUTDOWN_TIMEOUT %s = %s exceeds the pod's termination grace period %s",
			resources.ShutdownDelay, app.DrainGrace, cfg.ShutdownTimeout, stop, grace)
	}
}
