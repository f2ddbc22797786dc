package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// applyChild server-side applies desired as FieldOwner, unless the fields FieldOwner
// owns on the live object already hold exactly desired's values (owned is what
// Extract<Kind> returns for the live object; nil when the object does not exist).
// Applying an unchanged object would still be a write request, so a steady state
// skips it: a reconcile of an unchanged instance writes nothing.
//
// Fields other writers own (defaults the API server fills in, kubectl's restartedAt
// annotation, a user's own labels) are never in desired, so they are left alone; a
// field the operator owns that someone else changed is no longer owned by FieldOwner,
// the comparison fails and the apply takes it back (ForceOwnership).
//
// After a write, the object the API server returned is decoded into result.
func (r *InterviewAPIReconciler) applyChild(ctx context.Context, p *pass, kind string, owned, desired runtime.ApplyConfiguration, result client.Object) (bool, error) {
	if owned != nil {
		same, err := sameApplyConfiguration(owned, desired)
		if err != nil {
			return false, err
		}
		if same {
			return false, nil
		}
	}
	if err := r.Client.Apply(ctx, desired, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return false, fmt.Errorf("apply %s: %w", kind, err)
	}
	if err := convertJSON(desired, result); err != nil {
		return true, fmt.Errorf("read the applied %s: %w", kind, err)
	}
	verb := "Updated"
	if owned == nil {
		verb = "Created"
	}
	r.Metrics.ChildApplied(kind)
	r.Recorder.Eventf(p.instance, result, corev1.EventTypeNormal, iapiv1alpha1.ReasonChildUpdated, "Apply",
		"%s %s %s", verb, kind, result.GetName())
	return true, nil
}

// sameApplyConfiguration compares two apply configurations by their JSON form, which
// is what would be sent: unset and empty fields are omitted alike and quantities are
// in canonical form on both sides.
func sameApplyConfiguration(a, b runtime.ApplyConfiguration) (bool, error) {
	var va, vb any
	if err := convertJSON(a, &va); err != nil {
		return false, err
	}
	if err := convertJSON(b, &vb); err != nil {
		return false, err
	}
	return reflect.DeepEqual(va, vb), nil
}

func convertJSON(from, to any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return fmt.Errorf("encode %T: %w", from, err)
	}
	if err := json.Unmarshal(b, to); err != nil {
		return fmt.Errorf("decode %T: %w", to, err)
	}
	return nil
}

// notOwnedError is returned when a child's name is taken by an object the instance
// does not control: applying would take over someone else's object.
type notOwnedError struct {
	kind, name string
}

func (e *notOwnedError) Error() string {
	return fmt.Sprintf("%s %s exists and is not controlled by this InterviewAPI: delete it or rename the instance", e.kind, e.name)
}

// reconcileChild applies the desired form of the owned object kind/name and returns
// the object as it now is: live when nothing had to change, else what the API server
// returned for the apply. live is the object from the cache (found says whether there
// was one); extract reads the operator's fields from it (client-go's Extract<Kind>);
// newObject makes an empty object of the kind.
//
// The cache only holds objects labelled as managed by the operator, so an object
// missing from it is looked up once on the API server before it is created: an
// unlabelled object of the same name is someone else's and is not taken over.
func reconcileChild[T client.Object, AC runtime.ApplyConfiguration](
	ctx context.Context, r *InterviewAPIReconciler, p *pass, kind, name string,
	live T, found bool, extract func(T, string) (AC, error), desired AC, newObject func() T,
) (T, error) {
	if !found {
		var err error
		if live, found, err = getOptional(ctx, r.apiReader(), p.instance.Namespace, name, newObject()); err != nil {
			return live, err
		}
	}
	var owned runtime.ApplyConfiguration
	if found {
		if !metav1.IsControlledBy(live, p.instance) {
			return live, &notOwnedError{kind: kind, name: name}
		}
		ac, err := extract(live, FieldOwner)
		if err != nil {
			return live, fmt.Errorf("read the fields %s owns on %s %s: %w", FieldOwner, kind, name, err)
		}
		owned = ac
	}
	result := newObject()
	changed, err := r.applyChild(ctx, p, kind, owned, desired, result)
	if err != nil || !changed {
		return live, err
	}
	return result, nil
}
