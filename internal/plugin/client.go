package plugin

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// instances reads, patches and watches the InterviewAPI objects of one namespace. It is
// the only part of the plugin that talks to the API server.
type instances struct {
	c         client.WithWatch
	namespace string
}

// newScheme knows the InterviewAPI types and the core "v1" meta types (Status), which
// the API server sends in watch error events.
func newScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := iapiv1alpha1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("register %s: %w", iapiv1alpha1.GroupVersion, err)
	}
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	return s, nil
}

func newInstances(cfg *rest.Config, namespace string) (*instances, error) {
	s, err := newScheme()
	if err != nil {
		return nil, err
	}
	c, err := client.NewWithWatch(cfg, client.Options{Scheme: s})
	if err != nil {
		return nil, fmt.Errorf("create Kubernetes client for %s: %w", cfg.Host, err)
	}
	return &instances{c: c, namespace: namespace}, nil
}

// get reads one InterviewAPI.
func (in *instances) get(ctx context.Context, name string) (*iapiv1alpha1.InterviewAPI, error) {
	obj := &iapiv1alpha1.InterviewAPI{}
	if err := in.c.Get(ctx, client.ObjectKey{Namespace: in.namespace, Name: name}, obj); err != nil {
		return nil, in.explain(name, err)
	}
	return obj, nil
}

// names lists the InterviewAPIs of the namespace, sorted by the API server.
func (in *instances) names(ctx context.Context) ([]string, error) {
	list := &iapiv1alpha1.InterviewAPIList{}
	if err := in.c.List(ctx, list, client.InNamespace(in.namespace)); err != nil {
		return nil, in.explain("", err)
	}
	names := make([]string, len(list.Items))
	for i, item := range list.Items {
		names[i] = item.Name
	}
	return names, nil
}

// mergePatch applies a JSON merge patch and returns the object as the server stored it.
func (in *instances) mergePatch(ctx context.Context, name string, patch []byte) (*iapiv1alpha1.InterviewAPI, error) {
	obj := &iapiv1alpha1.InterviewAPI{ObjectMeta: metav1.ObjectMeta{Namespace: in.namespace, Name: name}}
	if err := in.c.Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch)); err != nil {
		return nil, in.explain(name, err)
	}
	return obj, nil
}

// watchFrom watches one InterviewAPI from a resource version on.
func (in *instances) watchFrom(ctx context.Context, name, resourceVersion string) (watch.Interface, error) {
	w, err := in.c.Watch(ctx, &iapiv1alpha1.InterviewAPIList{}, &client.ListOptions{
		Namespace:     in.namespace,
		FieldSelector: fields.OneTermEqualSelector("metadata.name", name),
		Raw:           &metav1.ListOptions{ResourceVersion: resourceVersion, AllowWatchBookmarks: true},
	})
	if err != nil {
		return nil, in.explain(name, err)
	}
	return w, nil
}

// explain turns the API errors a user can act on into sentences that say what to do.
func (in *instances) explain(name string, err error) error {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("interviewapi %q not found in namespace %q (list them with `kubectl get interviewapis -n %s`)", name, in.namespace, in.namespace)
	case meta.IsNoMatchError(err):
		return fmt.Errorf("the InterviewAPI resource (%s) is not installed in this cluster: install the operator and its CRD first: %w", iapiv1alpha1.GroupVersion, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("not allowed to access interviewapi %q in namespace %q: %w", name, in.namespace, err)
	case apierrors.IsInvalid(err):
		return fmt.Errorf("the API server rejected the change to interviewapi %q: %w", name, err)
	}
	return fmt.Errorf("interviewapi %q in namespace %q: %w", name, in.namespace, err)
}
