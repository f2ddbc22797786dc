package localcluster

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// process is a child program in its own process group. The group lets a stop reach
// whatever the program itself started; the parent-death signal (Linux) makes the kernel
// kill the child when this program dies without running its teardown.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	// state is set once the process has been reaped, before done is closed.
	state *os.ProcessState
	err   error
	out   io.Closer
}

type processSpec struct {
	name string
	path string
	args []string
	env  []string
	dir  string
	// out receives stdout and stderr; it is closed when the process has exited.
	out io.WriteCloser
}

func startProcess(spec processSpec) (*process, error) {
	cmd := exec.Command(spec.path, spec.args...)
	cmd.Env = spec.env
	cmd.Dir = spec.dir
	cmd.Stdout = spec.out
	cmd.Stderr = spec.out
	cmd.SysProcAttr = childProcAttr()
	if err := cmd.Start(); err != nil {
		if spec.out != nil {
			spec.out.Close()
		}
		return nil, fmt.Errorf("start %s (%s): %w", spec.name, spec.path, err)
	}
	p := &process{name: spec.name, cmd: cmd, done: make(chan struct{}), out: spec.out}
	go p.wait()
	return p, nil
}

func (p *process) wait() {
	err := p.cmd.Wait()
	p.state = p.cmd.ProcessState
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		p.err = err
	}
	if p.out != nil {
		p.out.Close()
	}
	close(p.done)
}

func (p *process) pid() int { return p.cmd.Process.Pid }

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// exitCode is the code the process ended with; a process killed by a signal gets
// 128+signal, as a shell (and the kubelet) reports it.
func (p *process) exitCode() (code int, signal syscall.Signal) {
	if p.state == nil {
		return -1, 0
	}
	if ws, ok := p.state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal()), ws.Signal()
	}
	return p.state.ExitCode(), 0
}

// signalGroup sends sig to the whole process group.
func (p *process) signalGroup(sig syscall.Signal) {
	// The group id is the child's pid (Setpgid). ESRCH means everyone is gone already.
	_ = syscall.Kill(-p.pid(), sig)
}

// stop asks the group to end with SIGTERM, waits up to grace, then kills it. It
// returns once the process has been reaped; leftover members of the group get SIGKILL
// too, so nothing the program started survives it.
func (p *process) stop(grace time.Duration) { p.stopOrHurry(grace, nil) }

// stopOrHurry is stop whose grace period ends early when hurry closes.
func (p *process) stopOrHurry(grace time.Duration, hurry <-chan struct{}) {
	if !p.exited() {
		p.signalGroup(syscall.SIGTERM)
		t := time.NewTimer(grace)
		select {
		case <-p.done:
		case <-t.C:
		case <-hurry:
		}
		t.Stop()
	}
	p.signalGroup(syscall.SIGKILL)
	<-p.done
}

// openLog opens (appending) the file a process writes its output to.
func openLog(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", path, err)
	}
	return f, nil
}
