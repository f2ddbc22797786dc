package resources

import (
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	policyv1ac "k8s.io/client-go/applyconfigurations/policy/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// PodDisruptionBudget is the instance's PodDisruptionBudget NAME over the pods of both
// tracks. maxUnavailable 1 lets a node drain evict one server pod at a time whatever
// the replica count (minAvailable would block drains of a one-replica instance), and
// unhealthy pods may always be evicted so that a crash-looping pod never blocks a drain.
func PodDisruptionBudget(in *iapiv1alpha1.InterviewAPI) *policyv1ac.PodDisruptionBudgetApplyConfiguration {
	return policyv1ac.PodDisruptionBudget(in.Name, in.Namespace).
		WithLabels(objectLabels(in)).
		WithOwnerReferences(ownerReference(in)).
		WithSpec(policyv1ac.PodDisruptionBudgetSpec().
			WithMaxUnavailable(intstr.FromInt32(1)).
			WithSelector(labelSelector(in.SelectorLabels())).
			WithUnhealthyPodEvictionPolicy(policyv1.AlwaysAllow))
}
