package controllers_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
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
	// held Deployments are left as they are, as if their pods could not start.
	held map[string]bool
	// nextIP numbers the fake pod addresses.
	nextIP int
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
	ctx := context.Background()
	var deployments appsv1.DeploymentList
	if err := k.e.Client.List(ctx, &deployments, client.InNamespace(k.ns)); err != nil {
		t.Fatalf("list Deployments: %v", err)
	}
	var pods corev1.PodList
	if err := k.e.Client.List(ctx, &pods, client.InNamespace(k.ns)); err != nil {
		t.Fatalf("list pods: %v", err)
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
		if k.settleDeployment(t, d, mine) {
			changed = true
		}
	}
	for i := range pods.Items {
		if p := &pods.Items[i]; !owned[p.Name] {
			k.deletePod(t, p)
			changed = true
		}
	}
	return changed
}

func (k *kubelet) settleDeployment(t testing.TB, d *appsv1.Deployment, pods []*corev1.Pod) bool {
	t.Helper()
	want := ptr.Deref(d.Spec.Replicas, 1)
	hash := templateHash(t, &d.Spec.Template)
	changed := false
	var current int32
	for _, p := range pods {
		if p.Annotations[annotationTemplate] != hash || current >= want {
			k.deletePod(t, p)
			changed = true
			continue
		}
		current++
	}
	for ; current < want; current++ {
		k.startPod(t, d, hash)
		changed = true
	}
	status := appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: want, UpdatedReplicas: want,
		ReadyReplicas: want, AvailableReplicas: want}
	s := d.Status
	if s.ObservedGeneration != status.ObservedGeneration || s.Replicas != want || s.UpdatedReplicas != want ||
		s.ReadyReplicas != want || s.AvailableReplicas != want || s.TerminatingReplicas != nil {
		d.Status = status
		if err := k.e.Client.Status().Update(context.Background(), d); err != nil {
			t.Fatalf("write the status of Deployment %s: %v", d.Name, err)
		}
		changed = true
	}
	return changed
}

// startPod creates a pod of the Deployment's template, running and ready.
func (k *kubelet) startPod(t testing.TB, d *appsv1.Deployment, hash string) {
	t.Helper()
	ctx := context.Background()
	tpl := d.Spec.Template
	annotations := map[string]string{annotationTemplate: hash}
	for key, v := range tpl.Annotations {
		annotations[key] = v
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: k.ns, GenerateName: d.Name + "-", Labels: tpl.Labels, Annotations: annotations},
		Spec:       *tpl.Spec.DeepCopy(),
	}
	if err := k.e.Client.Create(ctx, pod); err != nil {
		t.Fatalf("create a pod of %s: %v", d.Name, err)
	}
	k.nextIP++
	ip := fmt.Sprintf("10.244.%d.%d", k.nextIP/250, k.nextIP%250+1)
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
		t.Fatalf("mark pod %s ready: %v", pod.Name, err)
	}
}

func (k *kubelet) deletePod(t testing.TB, p *corev1.Pod) {
	t.Helper()
	err := k.e.Client.Delete(context.Background(), p, client.GracePeriodSeconds(0))
	if err != nil && !apierrors.IsNotFound(err) {
		t.Fatalf("delete pod %s: %v", p.Name, err)
	}
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

func templateHash(t testing.TB, tpl *corev1.PodTemplateSpec) string {
	t.Helper()
	b, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
