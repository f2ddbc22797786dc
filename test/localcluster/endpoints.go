package localcluster

import (
	"net"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// serviceBackends lists, for one port of a Service, the addresses of the pods that
// may receive its traffic, as the EndpointSlice controller would compute them: pods
// matching the selector that have an address and are Ready (or any pod with an address
// when the Service publishes not-ready addresses), minus pods being deleted. The list
// is sorted so that it changes only when the set of backends does.
func serviceBackends(svc *corev1.Service, port corev1.ServicePort, pods []*corev1.Pod) []string {
	if len(svc.Spec.Selector) == 0 {
		return nil
	}
	selector := labels.SelectorFromSet(svc.Spec.Selector)
	var out []string
	for _, pod := range pods {
		if pod.Namespace != svc.Namespace || !selector.Matches(labels.Set(pod.Labels)) {
			continue
		}
		if pod.Status.PodIP == "" || pod.DeletionTimestamp != nil ||
			pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		if !svc.Spec.PublishNotReadyAddresses && !podReady(pod) {
			continue
		}
		target, ok := podTargetPort(pod, port)
		if !ok {
			continue
		}
		out = append(out, net.JoinHostPort(pod.Status.PodIP, strconv.Itoa(target)))
	}
	slices.Sort(out)
	return out
}

func podReady(pod *corev1.Pod) bool {
	c := findCondition(pod.Status.Conditions, corev1.PodReady)
	return c != nil && c.Status == corev1.ConditionTrue
}

// podTargetPort resolves a service port's targetPort on one pod: a number as it is, a
// name through the pod's container ports (pods may differ), an unset one as the port.
func podTargetPort(pod *corev1.Pod, port corev1.ServicePort) (int, bool) {
	switch {
	case port.TargetPort.Type == intstr.String && port.TargetPort.StrVal != "":
		for _, c := range pod.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.Name == port.TargetPort.StrVal && protocolOf(cp.Protocol) == protocolOf(port.Protocol) {
					return int(cp.ContainerPort), true
				}
			}
		}
		return 0, false
	case port.TargetPort.Type == intstr.Int && port.TargetPort.IntVal != 0:
		return int(port.TargetPort.IntVal), true
	}
	return int(port.Port), true
}

func protocolOf(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}
