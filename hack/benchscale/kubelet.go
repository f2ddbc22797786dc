package main

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/dump"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/interviewapi/operator/internal/resources"
)

// kubelet plays the parts of Kubernetes that envtest lacks, for every Deployment the
// operator manages: the Deployment controller's status (every replica updated, ready and
// available as soon as the spec says so) and, for the instances of the rollout phase,
// real Pod objects, running and ready, whose address is a loopback server of podServers.
// The other instances get no Pod objects: the operator reads pods only to measure a
// canary, so they would cost the API server and not the operator.
type kubelet struct {
	c       client.Client
	cache   cache.Cache
	servers *podServers
	queue   workqueue.TypedRateLimitingInterface[types.NamespacedName]

	mu sync.Mutex
	// withPods are the namespaces whose Deployments get pods.
	withPods map[string]bool
	pods     map[types.NamespacedName][]*fakePod
}

type fakePod struct {
	name   string
	hash   string
	server *podServer
}

func newKubelet(c client.Client, ca cache.Cache, servers *podServers) *kubelet {
	return &kubelet{
		c: c, cache: ca, servers: servers,
		queue:    workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[types.NamespacedName]()),
		withPods: map[string]bool{},
		pods:     map[types.NamespacedName][]*fakePod{},
	}
}

// givePods makes the namespace's Deployments run pods from now on.
func (k *kubelet) givePods(ns string) {
	k.mu.Lock()
	k.withPods[ns] = true
	k.mu.Unlock()
}

// run watches the managed Deployments and settles each change with workers until ctx ends.
func (k *kubelet) run(ctx context.Context, workers int) error {
	inf, err := k.cache.GetInformer(ctx, &appsv1.Deployment{})
	if err != nil {
		return err
	}
	enqueue := func(obj any) {
		if d, ok := obj.(*appsv1.Deployment); ok {
			k.queue.Add(client.ObjectKeyFromObject(d))
		} else if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			if d, ok := tomb.Obj.(*appsv1.Deployment); ok {
				k.queue.Add(client.ObjectKeyFromObject(d))
			}
		}
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}); err != nil {
		return err
	}
	go func() {
		<-ctx.Done()
		k.queue.ShutDown()
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				key, quit := k.queue.Get()
				if quit {
					return
				}
				if err := k.sync(ctx, key); err != nil && ctx.Err() == nil {
					k.queue.AddRateLimited(key)
				} else {
					k.queue.Forget(key)
				}
				k.queue.Done(key)
			}
		})
	}
	wg.Wait()
	k.stopAll()
	return nil
}

func (k *kubelet) sync(ctx context.Context, key types.NamespacedName) error {
	d := &appsv1.Deployment{}
	if err := k.cache.Get(ctx, key, d); err != nil {
		if apierrors.IsNotFound(err) {
			return k.setPods(ctx, key, nil, "", 0)
		}
		return err
	}
	want := ptr.Deref(d.Spec.Replicas, 1)
	k.mu.Lock()
	podded := k.withPods[key.Namespace]
	k.mu.Unlock()
	if podded {
		hash := templateHash(&d.Spec.Template)
		if err := k.setPods(ctx, key, d, hash, int(want)); err != nil {
			return err
		}
	}
	s := d.Status
	if s.ObservedGeneration == d.Generation && s.Replicas == want && s.UpdatedReplicas == want &&
		s.ReadyReplicas == want && s.AvailableReplicas == want {
		return nil
	}
	d = d.DeepCopy()
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: want, UpdatedReplicas: want,
		ReadyReplicas: want, AvailableReplicas: want}
	if err := k.c.Status().Update(ctx, d); err != nil {
		return fmt.Errorf("write the status of Deployment %s: %w", key, err)
	}
	return nil
}

// setPods brings the Deployment's pods to want of the template hash: pods of another
// template or beyond want go (their servers stop), missing ones start.
func (k *kubelet) setPods(ctx context.Context, key types.NamespacedName, d *appsv1.Deployment, hash string, want int) error {
	k.mu.Lock()
	current := k.pods[key]
	k.mu.Unlock()
	var keep []*fakePod
	for _, p := range current {
		if p.hash == hash && len(keep) < want {
			keep = append(keep, p)
			continue
		}
		err := k.c.Delete(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: p.name}}, client.GracePeriodSeconds(0))
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete pod %s: %w", p.name, err)
		}
		p.server.stop()
	}
	for len(keep) < want {
		p, err := k.startPod(ctx, d, hash)
		if err != nil {
			k.storePods(key, keep)
			return err
		}
		keep = append(keep, p)
	}
	k.storePods(key, keep)
	return nil
}

func (k *kubelet) storePods(key types.NamespacedName, pods []*fakePod) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(pods) == 0 {
		delete(k.pods, key)
		return
	}
	k.pods[key] = pods
}

// startPod creates a pod of the Deployment's template whose server port is a loopback
// server in the pod's database mode, and marks it running and ready at 127.0.0.1.
func (k *kubelet) startPod(ctx context.Context, d *appsv1.Deployment, hash string) (*fakePod, error) {
	tpl := d.Spec.Template
	mode := "sync"
	spec := *tpl.Spec.DeepCopy()
	for _, c := range spec.Containers {
		for _, e := range c.Env {
			if e.Name == "ASYNC_DATABASE_ENABLED" && e.Value == "true" {
				mode = "async"
			}
		}
	}
	srv, err := k.servers.start(mode)
	if err != nil {
		return nil, err
	}
	for i := range spec.Containers {
		c := &spec.Containers[i]
		if c.Name != resources.ContainerName {
			continue
		}
		for j := range c.Ports {
			if c.Ports[j].Name == resources.PortName {
				c.Ports[j].ContainerPort = srv.port
			}
		}
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: d.Namespace, GenerateName: d.Name + "-", Labels: tpl.Labels},
		Spec:       spec,
	}
	if err := k.c.Create(ctx, pod); err != nil {
		srv.stop()
		return nil, fmt.Errorf("create a pod of %s: %w", d.Name, err)
	}
	now := metav1.Now()
	pod.Status = corev1.PodStatus{
		Phase:  corev1.PodRunning,
		PodIP:  "127.0.0.1",
		PodIPs: []corev1.PodIP{{IP: "127.0.0.1"}},
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		},
	}
	if err := k.c.Status().Update(ctx, pod); err != nil {
		srv.stop()
		return nil, fmt.Errorf("mark pod %s ready: %w", pod.Name, err)
	}
	return &fakePod{name: pod.Name, hash: hash, server: srv}, nil
}

func (k *kubelet) stopAll() {
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, pods := range k.pods {
		for _, p := range pods {
			p.server.stop()
		}
	}
	k.pods = map[types.NamespacedName][]*fakePod{}
}

// templateHash tells pod templates apart, as the Deployment controller's
// pod-template-hash does: a hash of the template's printed form.
func templateHash(tpl *corev1.PodTemplateSpec) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(dump.ForHash(tpl)))
	return strconv.FormatUint(uint64(h.Sum32()), 16)
}

// podCount is how many pods are running.
func (k *kubelet) podCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, pods := range k.pods {
		n += len(pods)
	}
	return n
}

// resync settles every Deployment of the namespace again (after givePods).
func (k *kubelet) resync(ctx context.Context, ns string) error {
	var list appsv1.DeploymentList
	if err := k.cache.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return err
	}
	for i := range list.Items {
		k.queue.Add(client.ObjectKeyFromObject(&list.Items[i]))
	}
	return nil
}
