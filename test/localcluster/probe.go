package localcluster

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// probeTarget is what a probe of one container run needs to know.
type probeTarget struct {
	podIP     string
	container *corev1.Container
	env       []string
	dir       string
}

// prober performs probes. Its HTTP client opens a new connection per probe, like the
// kubelet, so that a probe checks that the program still accepts connections, and it
// does not verify HTTPS certificates (the kubelet does not either).
type prober struct{ http *http.Client }

func newProber() prober {
	return prober{http: &http.Client{Transport: &http.Transport{
		DisableKeepAlives: true,
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // probes only check liveness
	}}}
}

// run performs one check; msg says why it failed.
func (pr prober) run(ctx context.Context, p *corev1.Probe, t probeTarget) (ok bool, msg string) {
	timeout := time.Duration(max(p.TimeoutSeconds, 1)) * time.Second
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case p.HTTPGet != nil:
		return pr.httpGet(ctx, p.HTTPGet, t)
	case p.TCPSocket != nil:
		port, err := resolvePort(p.TCPSocket.Port, t.container)
		if err != nil {
			return false, err.Error()
		}
		host := p.TCPSocket.Host
		if host == "" {
			host = t.podIP
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return false, err.Error()
		}
		conn.Close()
		return true, ""
	case p.Exec != nil:
		if len(p.Exec.Command) == 0 {
			return false, "exec probe without a command"
		}
		cmd := exec.CommandContext(ctx, p.Exec.Command[0], p.Exec.Command[1:]...)
		cmd.Env = t.env
		cmd.Dir = t.dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			return false, strings.TrimSpace(fmt.Sprintf("%v: %s", err, out))
		}
		return true, ""
	case p.GRPC != nil:
		return false, "gRPC probes are not supported by localcluster"
	}
	return false, "probe has no handler"
}

func (pr prober) httpGet(ctx context.Context, g *corev1.HTTPGetAction, t probeTarget) (bool, string) {
	port, err := resolvePort(g.Port, t.container)
	if err != nil {
		return false, err.Error()
	}
	host := g.Host
	if host == "" {
		host = t.podIP
	}
	scheme := strings.ToLower(string(g.Scheme))
	if scheme == "" {
		scheme = "http"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port)), Path: g.Path}
	if i := strings.IndexByte(g.Path, '?'); i >= 0 {
		u.Path, u.RawQuery = g.Path[:i], g.Path[i+1:]
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return false, err.Error()
	}
	req.Header.Set("User-Agent", "kube-probe/localcluster")
	for _, h := range g.HTTPHeaders {
		if strings.EqualFold(h.Name, "Host") {
			req.Host = h.Value
			continue
		}
		req.Header.Add(h.Name, h.Value)
	}
	resp, err := pr.http.Do(req)
	if err != nil {
		return false, err.Error()
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return false, fmt.Sprintf("HTTP probe failed with statuscode: %d", resp.StatusCode)
	}
	return true, ""
}

// resolvePort turns a probe's or service's port (number or container port name) into
// a number.
func resolvePort(port intstr.IntOrString, c *corev1.Container) (int, error) {
	if port.Type == intstr.Int {
		return port.IntValue(), nil
	}
	for _, p := range c.Ports {
		if p.Name == port.StrVal {
			return int(p.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(port.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("container %s has no port named %q", c.Name, port.StrVal)
}

// probeSettings are a probe's timing with the API's defaults filled in.
type probeSettings struct {
	initialDelay, period time.Duration
	successThreshold     int32
	failureThreshold     int32
}

func settingsOf(p *corev1.Probe) probeSettings {
	s := probeSettings{
		initialDelay:     time.Duration(p.InitialDelaySeconds) * time.Second,
		period:           time.Duration(p.PeriodSeconds) * time.Second,
		successThreshold: p.SuccessThreshold,
		failureThreshold: p.FailureThreshold,
	}
	if s.period <= 0 {
		s.period = 10 * time.Second
	}
	if s.successThreshold <= 0 {
		s.successThreshold = 1
	}
	if s.failureThreshold <= 0 {
		s.failureThreshold = 3
	}
	return s
}

// untilFirstReady is how often readiness is probed before it first succeeds: a pod
// turns Ready as soon as it serves instead of up to a whole period later, which keeps
// rollouts on this one-machine cluster quick. Later probes keep periodSeconds.
const untilFirstReady = 200 * time.Millisecond

// probePace says when a probe runs first and how often before its first success.
type probePace int

const (
	// paceKubelet: first at initialDelaySeconds, then every periodSeconds.
	paceKubelet probePace = iota
	// paceEager (readiness): every untilFirstReady until the first success.
	paceEager
	// paceAfterPeriod (liveness): first one period after initialDelaySeconds. A local
	// process starts in a millisecond, so a probe at once would find nothing
	// listening yet, a failure that a container runtime's start-up latency hides on a
	// real node.
	paceAfterPeriod
)

// loop runs a probe until ctx ends and reports each change of its result after
// the thresholds: onChange(true) after successThreshold successes in a row,
// onChange(false, reason) after failureThreshold failures in a row.
func (pr prober) loop(ctx context.Context, p *corev1.Probe, t probeTarget, pace probePace, onChange func(ok bool, msg string)) {
	s := settingsOf(p)
	first := s.initialDelay
	if pace == paceAfterPeriod {
		first += s.period
	}
	if !sleepCtx(ctx, first) {
		return
	}
	var successes, failures int32
	var known, current, everSucceeded bool
	for {
		ok, msg := pr.run(ctx, p, t)
		if ctx.Err() != nil {
			return
		}
		if ok {
			successes, failures = successes+1, 0
			everSucceeded = true
			if successes >= s.successThreshold && (!known || !current) {
				known, current = true, true
				onChange(true, "")
			}
		} else {
			failures, successes = failures+1, 0
			if failures >= s.failureThreshold && (!known || current) {
				known, current = true, false
				onChange(false, msg)
			}
		}
		wait := s.period
		if pace == paceEager && !everSucceeded {
			wait = min(wait, untilFirstReady)
		}
		if !sleepCtx(ctx, wait) {
			return
		}
	}
}

// sleepCtx waits d or until ctx ends; it reports whether the full wait happened.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
