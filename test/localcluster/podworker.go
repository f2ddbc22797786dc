package localcluster

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// defaultGracePeriod is the API's default terminationGracePeriodSeconds.
const defaultGracePeriod = 30 * time.Second

// podWorker runs one pod on the node: its credentials, its init containers in order,
// then its containers, and keeps the pod's status in the API up to date.
type podWorker struct {
	a                *agent
	uid              types.UID
	ns, name, key    string
	ip               netip.Addr
	dir              string
	ctx              context.Context // ends when the worker is closed
	cancel           context.CancelFunc
	stopCh           chan struct{} // closed when the pod terminates
	stopOnce         sync.Once
	deadline         time.Time     // when processes get SIGKILL; set before stopCh closes
	runDone          chan struct{} // closed when every container has ended
	statusLoopDone   chan struct{}
	changed          chan struct{}
	credentialsFiles []string
	finishing        bool // guarded by agent.mu: the agent is stopping this pod

	mu         sync.Mutex
	pod        *corev1.Pod
	snap       podSnapshot
	kubeconfig string
}

func newPodWorker(a *agent, pod *corev1.Pod, ip netip.Addr) *podWorker {
	ctx, cancel := context.WithCancel(context.Background())
	w := &podWorker{
		a: a, uid: pod.UID, ns: pod.Namespace, name: pod.Name, key: pod.Namespace + "/" + pod.Name,
		ip: ip, dir: a.layout.podDir(pod.Namespace, pod.Name),
		ctx: ctx, cancel: cancel,
		stopCh: make(chan struct{}), runDone: make(chan struct{}), statusLoopDone: make(chan struct{}),
		changed: make(chan struct{}, 1),
		pod:     pod,
	}
	w.snap = podSnapshot{
		hostIP: a.hostIP, podIP: ip.String(), startTime: nowSeconds(),
		initialized: len(pod.Spec.InitContainers) == 0,
	}
	for _, c := range pod.Spec.InitContainers {
		w.snap.initStatuses = append(w.snap.initStatuses, waitingStatus(c, "PodInitializing"))
	}
	mainReason := "ContainerCreating"
	if len(pod.Spec.InitContainers) > 0 {
		mainReason = "PodInitializing"
	}
	for _, c := range pod.Spec.Containers {
		w.snap.statuses = append(w.snap.statuses, waitingStatus(c, mainReason))
	}
	return w
}

func waitingStatus(c corev1.Container, reason string) corev1.ContainerStatus {
	return corev1.ContainerStatus{
		Name: c.Name, Image: c.Image, Started: new(false),
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}},
	}
}

func (w *podWorker) start() {
	go w.statusLoop()
	go w.run()
	w.notify()
}

// run takes the pod from scheduled to running (and, for pods that end, to done).
func (w *podWorker) run() {
	defer close(w.runDone)
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		w.a.log.Error("create pod folder", "pod", w.key, "err", err)
		return
	}
	if !w.prepareCredentials() {
		return
	}
	pod := w.currentPod()
	var sidecars sync.WaitGroup
	defer sidecars.Wait()
	for i, c := range pod.Spec.InitContainers {
		r := w.newRunner(c, true, i)
		if r.restartPolicy == corev1.ContainerRestartPolicyAlways {
			// A sidecar keeps running beside the pod's containers; the next init
			// container starts once it has started.
			sidecars.Go(func() { r.run() })
			select {
			case <-r.started:
				continue
			case <-w.stopCh:
				return
			}
		}
		code := r.run()
		if w.stopping() {
			return
		}
		if code != 0 {
			w.update(func(s *podSnapshot) { s.initFailed = true })
			return
		}
	}
	w.update(func(s *podSnapshot) { s.initialized = true })
	var containers sync.WaitGroup
	for i, c := range pod.Spec.Containers {
		r := w.newRunner(c, false, i)
		containers.Go(func() { r.run() })
	}
	containers.Wait()
}

func (w *podWorker) newRunner(c corev1.Container, init bool, index int) *containerRunner {
	policy := corev1.ContainerRestartPolicy(w.currentPod().Spec.RestartPolicy)
	if policy == "" {
		policy = corev1.ContainerRestartPolicyAlways
	}
	if init {
		switch {
		case c.RestartPolicy != nil:
			policy = *c.RestartPolicy
		case policy == corev1.ContainerRestartPolicyAlways:
			// An init container must complete; it is retried only while it fails.
			policy = corev1.ContainerRestartPolicyOnFailure
		}
	}
	return &containerRunner{w: w, c: c, init: init, index: index, restartPolicy: policy, started: make(chan struct{})}
}

// prepareCredentials gives the pod its service-account kubeconfig, retrying while the
// API refuses (for instance before the ServiceAccount exists). It returns false when
// the pod terminates first.
func (w *podWorker) prepareCredentials() bool {
	for delay := w.a.backoff.initial; ; delay = w.a.backoff.next(delay) {
		err := w.setUpCredentials()
		if err == nil {
			return true
		}
		w.a.log.Info("pod credentials", "pod", w.key, "err", err)
		w.event(corev1.EventTypeWarning, "FailedMount", "service-account token: %v", err)
		w.update(func(s *podSnapshot) {
			for i := range s.statuses {
				s.statuses[i].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{
					Reason: "ContainerCreating", Message: "service-account token: " + err.Error(),
				}}
			}
		})
		if !sleepOrStop(delay, w.stopCh) {
			return false
		}
	}
}

// terminate stops the pod's containers: each gets its preStop hook and SIGTERM, and
// SIGKILL once grace has passed. It returns when every process has ended.
func (w *podWorker) terminate(grace time.Duration) {
	w.stopOnce.Do(func() {
		w.deadline = time.Now().Add(grace)
		w.a.log.Info("stopping pod", "pod", w.key, "grace", grace)
		close(w.stopCh)
	})
	<-w.runDone
}

// close ends the worker once the pod is gone: it stops status updates and token
// renewal and removes the pod's credentials (its logs stay).
func (w *podWorker) close() {
	w.cancel()
	<-w.statusLoopDone
	for _, f := range w.credentialsFiles {
		_ = os.Remove(f)
	}
}

func (w *podWorker) stopping() bool {
	select {
	case <-w.stopCh:
		return true
	default:
		return false
	}
}

func (w *podWorker) terminationDeadline() time.Time { return w.deadline }

func (w *podWorker) specGrace() time.Duration {
	if g := w.currentPod().Spec.TerminationGracePeriodSeconds; g != nil {
		return time.Duration(*g) * time.Second
	}
	return defaultGracePeriod
}

func (w *podWorker) currentPod() *corev1.Pod {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.pod
}

// setPod records the latest version of the pod seen in the API.
func (w *podWorker) setPod(pod *corev1.Pod) {
	w.mu.Lock()
	w.pod = pod
	w.mu.Unlock()
	w.notify()
}

func (w *podWorker) kubeconfigPath() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.kubeconfig
}

func (w *podWorker) containerLog(container string) string {
	return filepath.Join(w.dir, container+".log")
}

// baseEnv is what every process of the pod starts from: enough of the agent's own
// environment for a program to run (not all of it, so that nothing of the host leaks
// into pods by accident), and HOSTNAME as in a pod.
func (w *podWorker) baseEnv() *orderedEnv {
	env := newOrderedEnv()
	for _, name := range []string{"PATH", "HOME", "TMPDIR", "GOCOVERDIR"} {
		if v, ok := os.LookupEnv(name); ok {
			env.set(name, v)
		}
	}
	env.set("HOSTNAME", w.name)
	return env
}

func (w *podWorker) event(eventType, reason, format string, args ...any) {
	w.a.recorder.Eventf(w.currentPod(), eventType, reason, format, args...)
}

func (w *podWorker) update(fn func(*podSnapshot)) {
	w.mu.Lock()
	fn(&w.snap)
	w.mu.Unlock()
	w.notify()
}

func (w *podWorker) updateContainer(r *containerRunner, fn func(*corev1.ContainerStatus)) {
	w.update(func(s *podSnapshot) {
		if r.init {
			fn(&s.initStatuses[r.index])
		} else {
			fn(&s.statuses[r.index])
		}
	})
}

func (w *podWorker) notify() {
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// statusLoop writes the pod's status whenever the snapshot or the pod changes.
func (w *podWorker) statusLoop() {
	defer close(w.statusLoopDone)
	for {
		select {
		case <-w.ctx.Done():
			return
		case <-w.changed:
		}
		if err := w.writeStatus(); err != nil && w.ctx.Err() == nil {
			w.a.log.Error("update pod status", "pod", w.key, "err", err)
			// Try again soon; the snapshot may not change again by itself.
			time.AfterFunc(time.Second, w.notify)
		}
	}
}

func (w *podWorker) writeStatus() error {
	w.mu.Lock()
	snap := w.snap.clone()
	pod := w.pod
	w.mu.Unlock()
	for range 5 {
		if pod.UID != w.uid {
			return nil
		}
		status := buildPodStatus(pod, snap, time.Now())
		if equality.Semantic.DeepEqual(pod.Status, status) {
			return nil
		}
		updated := pod.DeepCopy()
		updated.Status = status
		_, err := w.a.client.CoreV1().Pods(w.ns).UpdateStatus(w.ctx, updated, metav1.UpdateOptions{})
		switch {
		case err == nil, apierrors.IsNotFound(err):
			return nil
		case apierrors.IsConflict(err):
			if pod, err = w.a.client.CoreV1().Pods(w.ns).Get(w.ctx, w.name, metav1.GetOptions{}); err != nil {
				if apierrors.IsNotFound(err) {
					return nil
				}
				return err
			}
		default:
			return err
		}
	}
	return nil
}

func (s podSnapshot) clone() podSnapshot {
	c := s
	c.initStatuses = make([]corev1.ContainerStatus, len(s.initStatuses))
	for i := range s.initStatuses {
		s.initStatuses[i].DeepCopyInto(&c.initStatuses[i])
	}
	c.statuses = make([]corev1.ContainerStatus, len(s.statuses))
	for i := range s.statuses {
		s.statuses[i].DeepCopyInto(&c.statuses[i])
	}
	return c
}

// sleepOrStop waits d; it returns false if stop closes first.
func sleepOrStop(d time.Duration, stop <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
		return false
	}
}
