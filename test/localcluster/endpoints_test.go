package localcluster

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestServiceBackends(t *testing.T) {
	pod := func(name, ip string, ready bool, port int32, mutate ...func(*corev1.Pod)) *corev1.Pod {
		status := corev1.ConditionFalse
		if ready {
			status = corev1.ConditionTrue
		}
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"app": "api"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: port}},
			}}},
			Status: corev1.PodStatus{
				Phase: corev1.PodRunning, PodIP: ip,
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}},
			},
		}
		for _, m := range mutate {
			m(p)
		}
		return p
	}
	pods := []*corev1.Pod{
		pod("b", "127.0.0.11", true, 8000),
		pod("a", "127.0.0.10", true, 8000),
		pod("canary", "127.0.0.12", true, 9000), // the named port differs per pod
		pod("unready", "127.0.0.13", false, 8000),
		pod("deleting", "127.0.0.14", true, 8000, func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{} }),
		pod("no-ip", "", true, 8000),
		pod("done", "127.0.0.15", true, 8000, func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }),
		pod("other-app", "127.0.0.16", true, 8000, func(p *corev1.Pod) { p.Labels["app"] = "web" }),
		pod("other-ns", "127.0.0.17", true, 8000, func(p *corev1.Pod) { p.Namespace = "elsewhere" }),
	}
	svc := func(publishNotReady bool) *corev1.Service {
		return &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "ns"},
			Spec: corev1.ServiceSpec{
				Selector:                 map[string]string{"app": "api"},
				PublishNotReadyAddresses: publishNotReady,
			},
		}
	}
	tests := []struct {
		name            string
		port            corev1.ServicePort
		publishNotReady bool
		want            []string
	}{
		{"named target port", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("http")}, false,
			[]string{"127.0.0.10:8000", "127.0.0.11:8000", "127.0.0.12:9000"}},
		{"numeric target port", corev1.ServicePort{Port: 80, TargetPort: intstr.FromInt32(7000)}, false,
			[]string{"127.0.0.10:7000", "127.0.0.11:7000", "127.0.0.12:7000"}},
		{"target port defaults to port", corev1.ServicePort{Port: 8000}, false,
			[]string{"127.0.0.10:8000", "127.0.0.11:8000", "127.0.0.12:8000"}},
		{"unknown port name", corev1.ServicePort{Port: 80, TargetPort: intstr.FromString("grpc")}, false, nil},
		{"publish not ready", corev1.ServicePort{Port: 8000}, true,
			[]string{"127.0.0.10:8000", "127.0.0.11:8000", "127.0.0.12:8000", "127.0.0.13:8000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := serviceBackends(svc(tc.publishNotReady), tc.port, pods)
			if !slices.Equal(got, tc.want) {
				t.Errorf("backends = %v, want %v", got, tc.want)
			}
		})
	}
	noSelector := svc(false)
	noSelector.Spec.Selector = nil
	if got := serviceBackends(noSelector, corev1.ServicePort{Port: 8000}, pods); len(got) != 0 {
		t.Errorf("a Service without selector got backends %v", got)
	}
}
