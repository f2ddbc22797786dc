package localcluster

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// backoffPolicy paces restarts of a failing container, like the kubelet's crash-loop
// back-off but quicker, so that a local cluster recovers in seconds.
type backoffPolicy struct {
	initial, max time.Duration
	// resetAfter: a run at least this long starts the next back-off from initial.
	resetAfter time.Duration
}

func (b backoffPolicy) next(d time.Duration) time.Duration { return min(2*d, b.max) }

// containerRunner runs one container of a pod: it starts the container's process,
// probes it, restarts it as the pod's restart policy says, and stops it when the pod
// terminates.
type containerRunner struct {
	w     *podWorker
	c     corev1.Container
	init  bool
	index int // in the pod's InitContainers or Containers
	// restartPolicy is the pod's, or Always for a sidecar init container.
	restartPolicy corev1.ContainerRestartPolicy
	// runs counts the processes started; every one after the first is a restart.
	runs int
	// started is closed once the container has started (and passed its startup
	// probe); sidecar init containers let the next init container go then.
	started chan struct{}
}

// shouldRestart applies the restart policy to an exit code.
func (r *containerRunner) shouldRestart(code int) bool {
	switch r.restartPolicy {
	case corev1.ContainerRestartPolicyAlways:
		return true
	case corev1.ContainerRestartPolicyOnFailure:
		return code != 0
	}
	return false
}

// run keeps the container running until it ends for good (per the restart policy) or
// the pod terminates; it returns the last exit code, or -1 if it never ran.
func (r *containerRunner) run() int {
	w := r.w
	delay := w.a.backoff.initial
	lastCode := -1
	for run := 0; ; run++ {
		if w.stopping() {
			return lastCode
		}
		if run > 0 {
			if !r.backOff(delay, lastCode) {
				return lastCode
			}
			delay = w.a.backoff.next(delay)
		}
		proc, target, err := r.start()
		if err != nil {
			reason := startFailureReason(err)
			r.setWaiting(reason, err.Error())
			w.event(corev1.EventTypeWarning, "Failed", "Error: %s: %v", reason, err)
			if w.stopping() {
				return lastCode
			}
			continue
		}
		startedAt := time.Now()
		lastCode = r.supervise(proc, target)
		if w.stopping() || !r.shouldRestart(lastCode) {
			return lastCode
		}
		if time.Since(startedAt) >= w.a.backoff.resetAfter {
			delay = w.a.backoff.initial
		}
	}
}

// start prepares and starts one run of the container.
func (r *containerRunner) start() (*process, probeTarget, error) {
	w := r.w
	binary, err := w.a.images.resolve(r.c.Image)
	if err != nil {
		return nil, probeTarget{}, err
	}
	env, err := r.environment()
	if err != nil {
		return nil, probeTarget{}, err
	}
	args := r.arguments(env)
	out, err := openLog(w.containerLog(r.c.Name))
	if err != nil {
		return nil, probeTarget{}, err
	}
	dir := w.dir
	if r.c.WorkingDir != "" {
		if info, err := os.Stat(r.c.WorkingDir); err == nil && info.IsDir() {
			dir = r.c.WorkingDir
		}
	}
	proc, err := startProcess(processSpec{
		name: w.key + "/" + r.c.Name, path: binary, args: args, env: env.list(), dir: dir, out: out,
	})
	if err != nil {
		return nil, probeTarget{}, &runError{err.Error()}
	}
	w.a.log.Info("container started", "pod", w.key, "container", r.c.Name, "pid", proc.pid(),
		"ip", w.ip, "binary", binary, "args", args, "restarts", r.runs)
	w.event(corev1.EventTypeNormal, "Started", "Started container %s", r.c.Name)
	now := nowSeconds()
	w.updateContainer(r, func(s *corev1.ContainerStatus) {
		if s.State.Terminated != nil {
			s.LastTerminationState = corev1.ContainerState{Terminated: s.State.Terminated}
		}
		if r.runs > 0 {
			s.RestartCount++
		}
		s.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}
		s.ContainerID = "process://" + strconv.Itoa(proc.pid())
		s.ImageID = "file://" + binary
		s.Ready = false
		s.Started = new(r.c.StartupProbe == nil)
	})
	r.runs++
	return proc, probeTarget{podIP: w.ip.String(), container: &r.c, env: env.list(), dir: dir}, nil
}

// environment is the process's whole environment: the base, the container's resolved
// env, then what the node adds (POD_IP, LISTEN_ADDR, KUBECONFIG) where the container
// leaves them unset.
func (r *containerRunner) environment() (*orderedEnv, error) {
	w := r.w
	ctx, cancel := context.WithTimeout(w.ctx, 10*time.Second)
	defer cancel()
	declared, err := w.a.env.resolve(ctx, w.currentPod(), &r.c, w.ip.String(), w.a.hostIP)
	if err != nil {
		return nil, err
	}
	applyPodNetworkEnv(declared, &r.c, w.ip.String())
	env := w.baseEnv()
	for _, kv := range declared.list() {
		name, value, _ := strings.Cut(kv, "=")
		env.set(name, value)
	}
	if kc := w.kubeconfigPath(); kc != "" {
		if _, ok := env.get("KUBECONFIG"); !ok {
			env.set("KUBECONFIG", kc)
		}
	}
	return env, nil
}

// arguments are the process's arguments: an image here is one program, so command[0]
// (its name inside the image) is dropped for the mapped binary, and command[1:] and
// args follow with $(VAR) references expanded and wildcard listen addresses narrowed
// to the pod's.
func (r *containerRunner) arguments(env *orderedEnv) []string {
	var args []string
	if len(r.c.Command) > 0 {
		args = append(args, r.c.Command[1:]...)
	}
	args = append(args, r.c.Args...)
	for i, a := range args {
		args[i] = expandVars(a, env.get)
	}
	return bindArgsToPod(args, r.w.ip.String())
}

// supervise watches one run: it probes the process, kills it when its liveness fails,
// stops it when the pod terminates, and records how it ended. It returns the exit code.
func (r *containerRunner) supervise(proc *process, target probeTarget) int {
	w := r.w
	ctx, cancel := context.WithCancel(w.ctx)
	defer cancel()
	kill := make(chan string, 1)
	go r.probe(ctx, target, kill)

	select {
	case <-proc.done:
	case <-w.stopCh:
		w.event(corev1.EventTypeNormal, "Killing", "Stopping container %s", r.c.Name)
		r.shutdown(proc, target, w.terminationDeadline())
	case why := <-kill:
		w.event(corev1.EventTypeNormal, "Killing", "Container %s %s, will be restarted", r.c.Name, why)
		r.shutdown(proc, target, time.Now().Add(r.killGrace()))
	}
	cancel()
	code, sig := proc.exitCode()
	term := &corev1.ContainerStateTerminated{
		ExitCode:    int32(code),
		Signal:      int32(sig),
		Reason:      "Completed",
		FinishedAt:  nowSeconds(),
		ContainerID: "process://" + strconv.Itoa(proc.pid()),
	}
	if code != 0 {
		term.Reason = "Error"
	}
	if proc.err != nil {
		term.Message = proc.err.Error()
	}
	w.updateContainer(r, func(s *corev1.ContainerStatus) {
		if s.State.Running != nil {
			term.StartedAt = s.State.Running.StartedAt
		}
		s.State = corev1.ContainerState{Terminated: term}
		s.Ready = false
		s.Started = new(false)
	})
	if sig != 0 {
		w.a.log.Info("container exited", "pod", w.key, "container", r.c.Name, "code", code, "signal", sig.String())
	} else {
		w.a.log.Info("container exited", "pod", w.key, "container", r.c.Name, "code", code)
	}
	return code
}

// probe runs the container's startup, liveness and readiness probes for one run and
// reports a failed liveness or startup probe on kill.
func (r *containerRunner) probe(ctx context.Context, target probeTarget, kill chan<- string) {
	w := r.w
	pr := w.a.prober
	if p := r.c.StartupProbe; p != nil {
		startCtx, done := context.WithCancel(ctx)
		passed := false
		pr.loop(startCtx, p, target, paceKubelet, func(ok bool, msg string) {
			if ok {
				passed = true
				done()
				return
			}
			w.event(corev1.EventTypeWarning, "Unhealthy", "Startup probe failed: %s", msg)
			select {
			case kill <- "failed startup probe":
			default:
			}
			done()
		})
		done()
		if !passed {
			return
		}
		w.updateContainer(r, func(s *corev1.ContainerStatus) { s.Started = new(true) })
	}
	r.markStarted()
	if r.c.ReadinessProbe == nil {
		w.updateContainer(r, func(s *corev1.ContainerStatus) { s.Ready = true })
	} else {
		go pr.loop(ctx, r.c.ReadinessProbe, target, paceEager, func(ok bool, msg string) {
			if !ok {
				w.event(corev1.EventTypeWarning, "Unhealthy", "Readiness probe failed: %s", msg)
			}
			w.updateContainer(r, func(s *corev1.ContainerStatus) { s.Ready = ok })
		})
	}
	if p := r.c.LivenessProbe; p != nil {
		pr.loop(ctx, p, target, paceAfterPeriod, func(ok bool, msg string) {
			if ok {
				return
			}
			w.event(corev1.EventTypeWarning, "Unhealthy", "Liveness probe failed: %s", msg)
			select {
			case kill <- "failed liveness probe":
			default:
			}
		})
	}
}

func (r *containerRunner) markStarted() {
	select {
	case <-r.started:
	default:
		close(r.started)
	}
}

// shutdown runs the container's preStop hook, then stops the process: SIGTERM to its
// process group, SIGKILL at the deadline.
func (r *containerRunner) shutdown(proc *process, target probeTarget, deadline time.Time) {
	// The hurry context ends when the whole cluster stops and cuts grace periods short.
	hurry := r.w.a.hurry
	if h := r.c.Lifecycle; h != nil && h.PreStop != nil && !proc.exited() {
		ctx, cancel := context.WithDeadline(hurry, deadline)
		if err := runHook(ctx, h.PreStop, target); err != nil {
			r.w.event(corev1.EventTypeWarning, "FailedPreStopHook", "PreStopHook failed: %v", err)
		}
		cancel()
	}
	proc.stopOrHurry(max(time.Until(deadline), 0), hurry.Done())
}

// killGrace is the grace period of a container killed for a failed probe.
func (r *containerRunner) killGrace() time.Duration {
	for _, p := range []*corev1.Probe{r.c.LivenessProbe, r.c.StartupProbe} {
		if p != nil && p.TerminationGracePeriodSeconds != nil {
			return time.Duration(*p.TerminationGracePeriodSeconds) * time.Second
		}
	}
	return r.w.specGrace()
}

// backOff waits before the next run (or start attempt), showing the wait in the
// container's status; it returns false when the pod terminates meanwhile.
func (r *containerRunner) backOff(d time.Duration, lastCode int) bool {
	w := r.w
	if lastCode >= 0 {
		msg := fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", d, r.c.Name, w.name, w.ns, w.uid)
		w.updateContainer(r, func(s *corev1.ContainerStatus) {
			if s.State.Terminated != nil {
				s.LastTerminationState = corev1.ContainerState{Terminated: s.State.Terminated}
			}
			s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: msg}}
		})
		if lastCode != 0 {
			w.event(corev1.EventTypeWarning, "BackOff", "Back-off restarting failed container %s in pod %s", r.c.Name, w.name)
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-w.stopCh:
		return false
	}
}

func (r *containerRunner) setWaiting(reason, msg string) {
	r.w.updateContainer(r, func(s *corev1.ContainerStatus) {
		s.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
		s.Ready = false
	})
}

// runError is a process that could not be started.
type runError struct{ msg string }

func (e *runError) Error() string { return e.msg }

// startFailureReason names a start failure as the kubelet would in a container's
// waiting state.
func startFailureReason(err error) string {
	var ie *imageError
	var ce *configError
	switch {
	case errors.As(err, &ie):
		return "ErrImagePull"
	case errors.As(err, &ce):
		return "CreateContainerConfigError"
	}
	return "RunContainerError"
}

// runHook runs a lifecycle handler (preStop) against the container.
func runHook(ctx context.Context, h *corev1.LifecycleHandler, t probeTarget) error {
	switch {
	case h.Sleep != nil:
		if !sleepCtx(ctx, time.Duration(h.Sleep.Seconds)*time.Second) {
			return fmt.Errorf("sleep %ds cut short by the grace period", h.Sleep.Seconds)
		}
		return nil
	case h.Exec != nil:
		if len(h.Exec.Command) == 0 {
			return errors.New("exec hook without a command")
		}
		cmd := exec.CommandContext(ctx, h.Exec.Command[0], h.Exec.Command[1:]...)
		cmd.Env, cmd.Dir = t.env, t.dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(out)))
		}
		return nil
	case h.HTTPGet != nil:
		if ok, msg := (prober{http: http.DefaultClient}).httpGet(ctx, h.HTTPGet, t); !ok {
			return errors.New(msg)
		}
		return nil
	}
	return nil
}

// nowSeconds is the current time at the precision the API stores, so that a status
// read back compares equal to the one written.
func nowSeconds() metav1.Time { return metav1.Now().Rfc3339Copy() }
