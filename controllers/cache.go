package controllers

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// CacheOptions restricts what the manager caches: the given namespaces (all when
// none), and of the kinds the operator owns only the objects labelled as managed by
// it, so that the operator does not hold every Deployment and Service of the cluster
// in memory. A child whose managed-by label was removed is invisible to the cache;
// the next apply puts the label back. Only the kinds the controller watches are cached:
// an analysis lists the few pods it measures from the API server (see readyPods), and
// reading any other kind through the cached client fails instead of starting an
// informer for it.
//
// Every cached object also loses the managedFields entries the operator does not
// read (see KeepOwnApplyFields): they are often the largest part of an object.
func CacheOptions(namespaces []string) cache.Options {
	managed := labels.SelectorFromSet(labels.Set{iapiv1alpha1.LabelManaged: iapiv1alpha1.ManagerName})
	opts := cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&appsv1.Deployment{}:            {Label: managed},
			&corev1.Service{}:               {Label: managed},
			&policyv1.PodDisruptionBudget{}: {Label: managed},
		},
		DefaultTransform: KeepOwnApplyFields(),
		// A read of a kind no watch caches (Pods, say) is an error rather than a new
		// informer holding every object of that kind in the cluster.
		ReaderFailOnMissingInformer: true,
	}
	if len(namespaces) > 0 {
		opts.DefaultNamespaces = make(map[string]cache.Config, len(namespaces))
		for _, ns := range namespaces {
			opts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	return opts
}

// KeepOwnApplyFields is the cache's transform: of an object's managedFields it keeps
// only the entry of FieldOwner's server-side applies. That entry is what applyChild
// compares the desired object with (client-go's Extract<Kind> reads it), so dropping
// it as cache.TransformStripManagedFields does would turn every reconcile into an
// apply; the entries of other writers (the API server's defaults, kubectl, the
// Deployment controller's status updates, the operator's own status updates) are
// never read. Writes are unaffected: the operator applies apply configurations, and
// an update or merge patch without managedFields leaves the stored ones as they are.
func KeepOwnApplyFields() toolscache.TransformFunc {
	return func(in any) (any, error) {
		obj, err := meta.Accessor(in)
		if err != nil {
			// A tombstone of a deleted object: nothing to trim.
			return in, nil
		}
		fields := obj.GetManagedFields()
		if len(fields) == 0 {
			return in, nil
		}
		var own []metav1.ManagedFieldsEntry
		for _, f := range fields {
			if f.Manager == FieldOwner && f.Operation == metav1.ManagedFieldsOperationApply && f.Subresource == "" {
				own = append(own, f)
			}
		}
		if len(own) < len(fields) {
			obj.SetManagedFields(own)
		}
		return in, nil
	}
}
