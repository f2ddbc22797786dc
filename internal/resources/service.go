package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// Service is the instance's Service NAME: port 8000 to the pods' http port, over the
// pods of both tracks, so that the canary's share of the traffic is its share of the
// ready pods.
func Service(in *iapiv1alpha1.InterviewAPI) *corev1ac.ServiceApplyConfiguration {
	return corev1ac.Service(in.Name, in.Namespace).
		WithLabels(objectLabels(in)).
		WithOwnerReferences(ownerReference(in)).
		WithSpec(corev1ac.ServiceSpec().
			WithType(corev1.ServiceTypeClusterIP).
			WithSelector(in.SelectorLabels()).
			WithPorts(corev1ac.ServicePort().
				WithName(PortName).
				WithProtocol(corev1.ProtocolTCP).
				WithPort(Port).
				WithTargetPort(intstr.FromString(PortName))))
}
