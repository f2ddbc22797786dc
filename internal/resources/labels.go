package resources

import (
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// objectLabels are the labels of every object made for an instance.
func objectLabels(in *iapiv1alpha1.InterviewAPI) map[string]string {
	return map[string]string{
		iapiv1alpha1.LabelName:     iapiv1alpha1.ServerName,
		iapiv1alpha1.LabelInstance: in.Name,
		iapiv1alpha1.LabelManaged:  iapiv1alpha1.ManagerName,
	}
}

// TrackSelector selects the server pods of one track of an instance. It is the
// Deployment's selector, which is immutable: it must never hold the revision, which
// changes when the stable track takes new settings.
func TrackSelector(in *iapiv1alpha1.InterviewAPI, track string) map[string]string {
	sel := in.SelectorLabels()
	sel[iapiv1alpha1.LabelTrack] = track
	return sel
}

// podLabels are the user's spec.podLabels under the operator's own labels: the
// operator's win, or a user label could move a pod out of its Deployment or Service.
func podLabels(in *iapiv1alpha1.InterviewAPI, track, revision string) map[string]string {
	labels := make(map[string]string, len(in.Spec.PodLabels)+4)
	for k, v := range in.Spec.PodLabels {
		labels[k] = v
	}
	for k, v := range TrackSelector(in, track) {
		labels[k] = v
	}
	labels[iapiv1alpha1.LabelRevision] = revision
	return labels
}

// ownerReference makes the instance the controlling owner of a child, so that the
// garbage collector removes the child with the instance and the controller's Owns()
// watch maps the child's events back to the instance.
func ownerReference(in *iapiv1alpha1.InterviewAPI) *metav1ac.OwnerReferenceApplyConfiguration {
	return metav1ac.OwnerReference().
		WithAPIVersion(iapiv1alpha1.GroupVersion.String()).
		WithKind("InterviewAPI").
		WithName(in.Name).
		WithUID(in.UID).
		WithController(true).
		WithBlockOwnerDeletion(true)
}

// labelSelector is a selector matching exactly the given labels.
func labelSelector(labels map[string]string) *metav1ac.LabelSelectorApplyConfiguration {
	return metav1ac.LabelSelector().WithMatchLabels(labels)
}
