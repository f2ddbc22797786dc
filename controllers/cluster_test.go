package controllers_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/resources"
	"github.com/interviewapi/operator/test/envtest"
)

// annotationTemplate on a fake pod is the hash of the pod template it was made from.
const annotationTemplate = "test.interviewapi.io/template"

// kubelet plays, for one namespace, the parts of Kubernetes that envtest lacks: the
// Deployment and ReplicaSet controllers, the scheduler and the kubelet. settle brings
// every Deployment to its spec at once: pods of the current template, each ready with
// an address, and the Deployment's status saying so.
type kubelet struct {
	e  *envtest.Env
	ns string
	// held Deployments are left as they are, as if their pods could not start. Set
	// it before run.
	held map[string]bool
	// nextIP numbers the fake pod addresses.
	nextIP int
	// serve, when set, gives each new pod the loopback address where the test serves
	// its /metrics, instead of an address nothing answers on; the pod's container port
	// becomes that port. Set it before run.
	serve func(pod *corev1.Pod) (ip string, port int32)
}

func newKubelet(t testing.TB, e *envtest.Env, ns string) *kubelet {
	t.Helper()
	// Pods need their namespace's default service account to be admitted; no
	// controller makes it here.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "default"}}
	if err := e.Client.Create(context.Background(), sa); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create the default service account: %v", err)
	}
	return &kubelet{e: e, ns: ns, held: map[string]bool{}}
}

// settle makes every Deployment's pods and status match its spec and removes pods no
// Deployment selects. It reports whether it changed anything.
func (k *kubelet) settle(t testing.TB) bool {
	t.Helper()
	changed, err := k.sync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return changed
}

// run settles the namespace every period until ctx ends, as the real controllers
// would react to changes; the first error stops it and is sent on errs.
func (k *kubelet) run(ctx context.Context, period time.Duration, errs chan<- error) {
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		_, err := k.sync(ctx)
		switch {
		case err == nil, ctx.Err() != nil:
		case apierrors.IsConflict(err):
			// The operator changed the Deployment since it was listed: next tick.
		default:
			errs <- err
			return
		}
	}
}

func (k *kubelet) sync(ctx context.Context) (bool, error) {
	var deployments appsv1.DeploymentList
	if err := k.e.Client.List(ctx, &deployments, client.InNamespace(k.ns)); err != nil {
		return false, fmt.Errorf("list Deployments: %w", err)
	}
	var pods corev1.PodList
	if err := k.e.Client.List(ctx, &pods, client.InNamespace(k.ns)); err != nil {
		return false, fmt.Errorf("list pods: %w", err)
	}
	changed := false
	owned := map[string]bool{}
	for i := range deployments.Items {
		d := &deployments.Items[i]
		selector := labels.SelectorFromSet(d.Spec.Selector.MatchLabels)
		var mine []*corev1.Pod
		for j := range pods.Items {
			if p := &pods.Items[j]; selector.Matches(labels.Set(p.Labels)) {
				owned[p.Name] = true
				mine = append(mine, p)
			}
		}
		if k.held[d.Name] {
			continue
		}
		c, err := k.syncDeployment(ctx, d, mine)
		if err != nil {
			return changed, err
		}
		changed = changed || c
	}
	for i := range pods.Items {
		if p := &pods.Items[i]; !owned[p.Name] {
			if err := k.deletePod(ctx, p); err != nil {
				return changed, err
			}
			changed = true
		}
	}
	return changed, nil
}

func (k *kubelet) syncDeployment(ctx context.Context, d *appsv1.Deployment, pods []*corev1.Pod) (bool, error) {
	want := ptr.Deref(d.Spec.Replicas, 1)
	hash, err := templateHash(&d.Spec.Template)
	if err != nil {
		return false, err
	}
	changed := false
	var current int32
	for _, p := range pods {
		if p.Annotations[annotationTemplate] != hash || current >= want {
			if err := k.deletePod(ctx, p); err != nil {
				return changed, err
			}
			changed = true
			continue
		}
		current++
	}
	for ; current < want; current++ {
		if err := k.startPod(ctx, d, hash); err != nil {
			return changed, err
		}
		changed = true
	}
	s := d.Status
	if s.ObservedGeneration != d.Generation || s.Replicas != want || s.UpdatedReplicas != want ||
		s.ReadyReplicas != want || s.AvailableReplicas != want || s.TerminatingReplicas != nil {
		d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: want, UpdatedReplicas: want,
			ReadyReplicas: want, AvailableReplicas: want}
		if err := k.e.Client.Status().Update(ctx, d); err != nil {
			return changed, fmt.Errorf("write the status of Deployment %s: %w", d.Name, err)
		}
		changed = true
	}
	return changed, nil
}

// startPod creates a pod of the Deployment's template, running and ready.
func (k *kubelet) startPod(ctx context.Context, d *appsv1.Deployment, hash string) error {
	tpl := d.Spec.Template
	annotations := map[string]string{annotationTemplate: hash}
	for key, v := range tpl.Annotations {
		annotations[key] = v
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: k.ns, GenerateName: d.Name + "-", Labels: tpl.Labels, Annotations: annotations},
		Spec:       *tpl.Spec.DeepCopy(),
	}
	var ip string
	if k.serve != nil {
		var port int32
		ip, port = k.serve(pod)
		setContainerPort(pod, port)
	}
	if err := k.e.Client.Create(ctx, pod); err != nil {
		return fmt.Errorf("create a pod of %s: %w", d.Name, err)
	}
	if ip == "" {
		k.nextIP++
		ip = fmt.Sprintf("10.244.%d.%d", k.nextIP/250, k.nextIP%250+1)
	}
	now := metav1.Now()
	pod.Status = corev1.PodStatus{
		Phase:  corev1.PodRunning,
		PodIP:  ip,
		PodIPs: []corev1.PodIP{{IP: ip}},
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		},
	}
	if err := k.e.Client.Status().Update(ctx, pod); err != nil {
		return fmt.Errorf("mark pod %s ready: %w", pod.Name, err)
	}
	return nil
}

// setContainerPort points the server container's named port at port.
func setContainerPort(pod *corev1.Pod, port int32) {
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		for j := range c.Ports {
			if c.Name == resources.ContainerName && c.Ports[j].Name == resources.PortName {
				c.Ports[j].ContainerPort = port
			}
		}
	}
}

func (k *kubelet) deletePod(ctx context.Context, p *corev1.Pod) error {
	err := k.e.Client.Delete(ctx, p, client.GracePeriodSeconds(0))
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pod %s: %w", p.Name, err)
	}
	return nil
}

// readyPods lists the names of the running pods of a track and revision.
func (k *kubelet) readyPods(t testing.TB, instance, track, revision string) []string {
	t.Helper()
	var pods corev1.PodList
	err := k.e.Client.List(context.Background(), &pods, client.InNamespace(k.ns), client.MatchingLabels{
		iapiv1alpha1.LabelInstance: instance, iapiv1alpha1.LabelTrack: track, iapiv1alpha1.LabelRevision: revision,
	})
	if err != nil {
		t.Fatalf("list pods: %v", err)
	}
	var names []string
	for _, p := range pods.Items {
		if p.DeletionTimestamp.IsZero() && p.Status.PodIP != "" {
			names = append(names, p.Name)
		}
	}
	slices.Sort(names)
	return names
}

func templateHash(tpl *corev1.PodTemplateSpec) (string, error) {
	b, err := json.Marshal(tpl)
	if err != nil {
		return "", fmt.Errorf("encode a pod template: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8]), nil
}
