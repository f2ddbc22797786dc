package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// applyChild server-side applies desired as FieldOwner (ForceOwnership: a field the
// operator owns that someone else changed is taken back) and decodes the object the
// API server returned into result. created says whether the object is new, for the
// pass's ChildUpdated Event (reportApplied).
func (r *InterviewAPIReconciler) applyChild(ctx context.Context, p *pass, kind string, created bool, desired runtime.ApplyConfiguration, result client.Object) error {
	if err := r.Client.Apply(ctx, desired, client.FieldOwner(FieldOwner), client.ForceOwnership); err != nil {
		return fmt.Errorf("apply %s: %w", kind, err)
	}
	if err := convertJSON(desired, result); err != nil {
		return fmt.Errorf("read the applied %s: %w", kind, err)
	}
	verb := "Updated"
	if created {
		verb = "Created"
	}
	r.Metrics.ChildApplied(kind)
	p.applied = append(p.applied, appliedChild{what: fmt.Sprintf("%s %s %s", verb, kind, result.GetName()), object: result})
	return nil
}

// appliedChild is a child a pass created or changed: what the Event says of it, and
// the object.
type appliedChild struct {
	what   string
	object client.Object
}

// reportApplied sends one ChildUpdated Event for the children the pass applied, naming
// each ("Created Deployment NAME-stable; Created Service NAME; ..."), rather than one
// Event per child: every Event is a write to the API server, and a new instance's first
// pass applies three children (a cold start of 1,000 instances sent 2,000 Events fewer,
// docs/benchmarks.md). An Event about one child names it as the related object too.
func (r *InterviewAPIReconciler) reportApplied(p *pass) {
	if len(p.applied) == 0 {
		return
	}
	what := make([]string, len(p.applied))
	for i, a := range p.applied {
		what[i] = a.what
	}
	var related runtime.Object
	if len(p.applied) == 1 {
		related = p.applied[0].object
	}
	r.Recorder.Eventf(p.instance, related, corev1.EventTypeNormal, iapiv1alpha1.ReasonChildUpdated, "Apply",
		"%s", strings.Join(what, "; "))
	p.applied = nil
}

// changes reports whether applying desired would write to live: live does not exist
// (found is false), or a field FieldOwner owns on it (what extract, client-go's
// Extract<Kind>, returns) differs from desired. It is the one answer to "does this
// child change", used by the decision (does NAME-stable change in this pass) and by
// the apply that skips unchanged children.
//
// Applying an unchanged object would still be a write request, so a steady state
// skips it: a reconcile of an unchanged instance writes nothing. Fields other writers
// own (defaults the API server fills in, kubectl's restartedAt annotation, a user's
// own labels) are never in desired, so they are left alone; a field the operator owns
// that someone else changed is no longer owned by FieldOwner, so the comparison fails
// and the apply takes it back.
func changes[T client.Object, AC runtime.ApplyConfiguration](live T, found bool, extract func(T, string) (AC, error), desired AC) (bool, error) {
	if !found {
		return true, nil
	}
	owned, err := extract(live, FieldOwner)
	if err != nil {
		return false, fmt.Errorf("read the fields %s owns on %s: %w", FieldOwner, live.GetName(), err)
	}
	same, err := sameApplyConfiguration(owned, desired)
	return !same, err
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
	if found && !metav1.IsControlledBy(live, p.instance) {
		return live, &notOwnedError{kind: kind, name: name}
	}
	changed, err := changes(live, found, extract, desired)
	if err != nil || !changed {
		return live, err
	}
	result := newObject()
	if err := r.applyChild(ctx, p, kind, !found, desired, result); err != nil {
		return live, err
	}
	return result, nil
}
