package localcluster

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
)

// shutdownGrace caps the grace period of pods stopped because the whole cluster stops.
const shutdownGrace = 5 * time.Second

// agent plays kubelet (and scheduler) for the cluster's one node: it binds pending pods
// to the node and runs every pod bound to it as local processes.
type agent struct {
	client       kubernetes.Interface
	nodeName     string
	hostIP       string
	apiserverURL string
	caPEM        []byte
	layout       layout
	images       imageResolver
	env          envSource
	addrs        *addressPool
	backoff      backoffPolicy
	prober       prober
	recorder     record.EventRecorder
	log          *slog.Logger

	pods    listerscorev1.PodLister
	queue   workqueue.TypedRateLimitingInterface[string]
	runDone chan struct{}
	started bool
	// hurry ends when the cluster stops: grace periods still running are cut short.
	hurry    context.Context
	hurryNow context.CancelFunc

	mu       sync.Mutex
	workers  map[types.UID]*podWorker
	stopping bool
	// finishing counts pods being stopped and removed, so that stop can wait for them.
	finishing sync.WaitGroup
}

// watch registers the agent on the pod informer; run must be called to act.
func (a *agent) watch(informer cache.SharedIndexInformer) error {
	a.pods = listerscorev1.NewPodLister(informer.GetIndexer())
	a.queue = workqueue.NewTypedRateLimitingQueueWithConfig(
		workqueue.DefaultTypedControllerRateLimiter[string](),
		workqueue.TypedRateLimitingQueueConfig[string]{Name: "node-agent"})
	a.workers = map[types.UID]*podWorker{}
	a.runDone = make(chan struct{})
	a.hurry, a.hurryNow = context.WithCancel(context.Background())
	_, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    a.enqueue,
		UpdateFunc: func(_, obj any) { a.enqueue(obj) },
		DeleteFunc: a.enqueue,
	})
	if err != nil {
		return fmt.Errorf("watch pods: %w", err)
	}
	return nil
}

func (a *agent) enqueue(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err == nil {
		a.queue.Add(key)
	}
}

// start processes pod changes in the background until stop.
func (a *agent) start() {
	a.started = true
	go a.run()
}

// run processes pod changes until the queue shuts down.
func (a *agent) run() {
	defer close(a.runDone)
	for {
		key, shutdown := a.queue.Get()
		if shutdown {
			return
		}
		if err := a.sync(key); err != nil {
			a.log.Error("sync pod", "pod", key, "err", err)
			a.queue.AddRateLimited(key)
		} else {
			a.queue.Forget(key)
		}
		a.queue.Done(key)
	}
}

func (a *agent) sync(key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return err
	}
	pod, err := a.pods.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		// Deleted without waiting for us (grace period 0, --force): stop what runs.
		a.stopOthers(ns, name, "")
		return nil
	}
	if err != nil {
		return err
	}
	if pod.Spec.NodeName == "" {
		return a.bind(pod)
	}
	if pod.Spec.NodeName != a.nodeName {
		return nil
	}
	a.stopOthers(ns, name, pod.UID)

	a.mu.Lock()
	w := a.workers[pod.UID]
	stopping := a.stopping
	a.mu.Unlock()
	switch {
	case stopping:
		return nil
	case pod.DeletionTimestamp != nil:
		grace := defaultGracePeriod
		if pod.DeletionGracePeriodSeconds != nil {
			grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
		}
		if w == nil {
			return a.remove(pod.Namespace, pod.Name, pod.UID)
		}
		w.setPod(pod)
		a.finish(w, grace, true)
		return nil
	case w != nil:
		w.setPod(pod)
		return nil
	case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed:
		return nil
	}
	return a.admit(pod)
}

// bind schedules a pending pod onto the node. The node takes every pod: it does not
// check resources, affinity or taints.
func (a *agent) bind(pod *corev1.Pod) error {
	if pod.DeletionTimestamp != nil || (pod.Spec.SchedulerName != "" && pod.Spec.SchedulerName != corev1.DefaultSchedulerName) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := a.client.CoreV1().Pods(pod.Namespace).Bind(ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: a.nodeName},
	}, metav1.CreateOptions{})
	switch {
	case err == nil:
		a.recorder.Eventf(pod, corev1.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s", pod.Namespace, pod.Name, a.nodeName)
		return nil
	case apierrors.IsNotFound(err), apierrors.IsConflict(err):
		return nil
	}
	return fmt.Errorf("bind: %w", err)
}

// admit gives a new pod its address and starts its worker.
func (a *agent) admit(pod *corev1.Pod) error {
	ip, err := a.addrs.allocate()
	if err != nil {
		return err
	}
	w := newPodWorker(a, pod, ip)
	a.mu.Lock()
	a.workers[pod.UID] = w
	a.mu.Unlock()
	a.log.Info("pod admitted", "pod", w.key, "ip", ip)
	w.start()
	return nil
}

// stopOthers stops the workers of earlier pods with this name (a pod deleted and
// created again under the same name while its predecessor still ran).
func (a *agent) stopOthers(ns, name string, keep types.UID) {
	a.mu.Lock()
	var old []*podWorker
	for uid, w := range a.workers {
		if w.ns == ns && w.name == name && uid != keep {
			old = append(old, w)
		}
	}
	a.mu.Unlock()
	for _, w := range old {
		a.finish(w, w.specGrace(), false)
	}
}

// finish stops a worker's pod in the background, then removes it from the API (when
// removeFromAPI) and forgets it. Calling it again for the same worker does nothing.
func (a *agent) finish(w *podWorker, grace time.Duration, removeFromAPI bool) {
	a.mu.Lock()
	if a.workers[w.uid] != w {
		a.mu.Unlock()
		return
	}
	// Keep the worker in the map until it is gone, but only start finishing it once.
	if w.finishing {
		a.mu.Unlock()
		return
	}
	w.finishing = true
	a.finishing.Add(1)
	a.mu.Unlock()
	go func() {
		defer a.finishing.Done()
		w.terminate(grace)
		if removeFromAPI {
			if err := a.remove(w.ns, w.name, w.uid); err != nil {
				a.log.Error("remove pod", "pod", w.key, "err", err)
			}
		}
		w.close()
		a.mu.Lock()
		delete(a.workers, w.uid)
		a.mu.Unlock()
		a.addrs.release(w.ip)
		a.log.Info("pod stopped", "pod", w.key, "ip", w.ip)
	}()
}

// remove deletes a pod whose processes have ended, as the kubelet does to complete a
// graceful deletion.
func (a *agent) remove(ns, name string, uid types.UID) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := a.client.CoreV1().Pods(ns).Delete(ctx, name, metav1.DeleteOptions{
		GracePeriodSeconds: new(int64(0)),
		Preconditions:      &metav1.Preconditions{UID: &uid},
	})
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
		return nil
	}
	return fmt.Errorf("delete pod %s/%s: %w", ns, name, err)
}

// podRunning reports whether the agent still runs a pod of that name, for log
// following.
func (a *agent) podRunning(ns, name string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, w := range a.workers {
		if w.ns == ns && w.name == name {
			return true
		}
	}
	return false
}

// stop ends every pod within shutdownGrace, those already stopping included, without
// touching the API, which is about to stop too.
func (a *agent) stop() {
	if a.hurryNow != nil {
		timer := time.AfterFunc(shutdownGrace, a.hurryNow)
		defer timer.Stop()
		defer a.hurryNow()
	}
	if !a.started {
		return
	}
	a.mu.Lock()
	a.stopping = true
	a.mu.Unlock()
	a.queue.ShutDown()
	<-a.runDone
	a.mu.Lock()
	var all []*podWorker
	for _, w := range a.workers {
		all = append(all, w)
	}
	a.mu.Unlock()
	for _, w := range all {
		a.finish(w, min(w.specGrace(), shutdownGrace), false)
	}
	a.finishing.Wait()
}
