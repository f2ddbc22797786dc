package framework

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// OperatorOptions say how to run bin/interviewapi-operator as a local process, the way
// `make run` does: with the admin kubeconfig of the cluster.
type OperatorOptions struct {
	// Binary is the operator program (bin/interviewapi-operator).
	Binary string
	// Kubeconfig the operator finds its cluster with (through KUBECONFIG).
	Kubeconfig string
	// LogPath receives the operator's output; every start appends to it after a
	// header line.
	LogPath string
	// Namespaces restricts the operator to these namespaces (--namespace); empty means
	// every namespace.
	Namespaces []string
	// LeaderElectionNamespace holds the leader-election Lease; empty turns leader
	// election off.
	LeaderElectionNamespace string
	// MetricsAddress, when set, serves the operator's /metrics there (over HTTPS to
	// callers allowed to get /metrics, the operator's default); empty turns it off.
	MetricsAddress string
	// ExtraArgs are appended to the command line.
	ExtraArgs []string
	// Wrap, when set, turns the program and its arguments into the command that runs
	// it: the real node's wraps it into its network namespace, where the pods the
	// operator scrapes are (localcluster.Cluster.NodeCommand).
	Wrap func(path string, args []string) (string, []string)
}

// Operator is a running operator process that can be killed and started again.
type Operator struct {
	opts OperatorOptions

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	starts int
}

// stopGrace is how long Stop waits after SIGTERM before it kills the operator.
const stopGrace = 15 * time.Second

// StartOperator starts the operator and returns once its process runs.
func StartOperator(opts OperatorOptions) (*Operator, error) {
	if _, err := os.Stat(opts.Binary); err != nil {
		return nil, fmt.Errorf("operator binary: %w (run `make build`)", err)
	}
	o := &Operator{opts: opts}
	if err := o.Start(); err != nil {
		return nil, err
	}
	return o, nil
}

// Args is the operator's command line (without the program).
func (o *Operator) Args() []string {
	// The probe endpoint is not needed here, nor, unless a test scrapes it, the metrics
	// endpoint; turning them off keeps several operators on one machine from competing
	// for ports.
	args := []string{"--metrics-bind-address=" + cmp.Or(o.opts.MetricsAddress, "0"), "--health-probe-bind-address=0"}
	if ns := o.opts.LeaderElectionNamespace; ns != "" {
		args = append(args, "--leader-elect=true", "--leader-election-namespace="+ns)
	} else {
		args = append(args, "--leader-elect=false")
	}
	if len(o.opts.Namespaces) > 0 {
		args = append(args, "--namespace="+strings.Join(o.opts.Namespaces, ","))
	}
	return append(args, o.opts.ExtraArgs...)
}

// Start starts the operator process; it fails if one is already running.
func (o *Operator) Start() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cmd != nil {
		return errors.New("the operator is already running")
	}
	log, err := os.OpenFile(o.opts.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("operator log: %w", err)
	}
	o.starts++
	fmt.Fprintf(log, "===== operator start #%d at %s: %s %s\n", o.starts, time.Now().Format(time.RFC3339Nano),
		o.opts.Binary, strings.Join(o.Args(), " "))
	path, args := o.opts.Binary, o.Args()
	if o.opts.Wrap != nil {
		path, args = o.opts.Wrap(path, args)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+o.opts.Kubeconfig)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = childAttrs()
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start the operator: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(exited)
	}()
	o.cmd, o.exited = cmd, exited
	return nil
}

// Running reports whether the process started last is still running.
func (o *Operator) Running() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cmd == nil {
		return false
	}
	select {
	case <-o.exited:
		return false
	default:
		return true
	}
}

// Kill ends the operator at once with SIGKILL, as a crash or an OOM kill would, and
// returns once the process is gone.
func (o *Operator) Kill() error { return o.end(syscall.SIGKILL, 0) }

// Stop ends the operator with SIGTERM (it releases its Lease), and kills it if it has
// not exited after a grace period. Stopping a stopped operator does nothing.
func (o *Operator) Stop() error { return o.end(syscall.SIGTERM, stopGrace) }

func (o *Operator) end(sig syscall.Signal, grace time.Duration) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cmd == nil {
		return nil
	}
	cmd, exited := o.cmd, o.exited
	o.cmd, o.exited = nil, nil
	select {
	case <-exited:
		return nil
	default:
	}
	if err := cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal the operator: %w", err)
	}
	if sig == syscall.SIGKILL {
		<-exited
		return nil
	}
	select {
	case <-exited:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-exited
		return fmt.Errorf("the operator did not exit within %s of SIGTERM and was killed", grace)
	}
	return nil
}

// Pid is the process id of the operator started last, 0 when none runs (for the
// benchmarks' CPU readings; on the real node, the wrapper's process).
func (o *Operator) Pid() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cmd == nil || o.cmd.Process == nil {
		return 0
	}
	return o.cmd.Process.Pid
}

// LogPath is the file holding the output of every run.
func (o *Operator) LogPath() string { return o.opts.LogPath }
