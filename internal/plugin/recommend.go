package plugin

import (
	"fmt"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/rollout"
)

// RecommendationPatch is the JSON merge patch `recommend --apply` sends for obj:
// spec.database.pool.size and maxOverflow set to status.recommendation, on obj's
// resourceVersion so that a spec changed since the advice was read is refused by the
// API server rather than overwritten. done is true when the spec already asks for the
// advised pool. It refuses, with the reason, when there is no advice, while a rollout
// runs (the patch would abort it), when the advice is of another engine than the
// spec's, and when the advised pool would not fit maxServerConnections with a
// rollout's surge pod (rollout.PoolFits, the budget the operator holds rollouts to).
// The end-to-end tests apply advice through it too.
func RecommendationPatch(obj *iapiv1alpha1.InterviewAPI) (patch []byte, done bool, err error) {
	return recommendationPatch(obj)
}

func recommendationPatch(obj *iapiv1alpha1.InterviewAPI) ([]byte, bool, error) {
	rec := obj.Status.Recommendation
	spec := &obj.Spec
	mode := iapiv1alpha1.ModeName(spec.Database.Async.Enabled)
	switch {
	case rec == nil:
		return nil, false, fmt.Errorf("interviewapi %s has no recommendation yet: the operator advises once it has measured a window of its pods (see `kubectl interviewapi recommend %s`)", obj.Name, obj.Name)
	case rec.Size == nil || rec.MaxOverflow == nil:
		return nil, false, fmt.Errorf("interviewapi %s has no advice to apply: %s", obj.Name, rec.Reason)
	case obj.Status.Canary != nil:
		return nil, false, fmt.Errorf("interviewapi %s is rolling out revision %s (phase %s): apply the advice once the rollout ends, or a new spec would abort it",
			obj.Name, obj.Status.Canary.Revision, obj.Status.Phase)
	case rec.Mode != mode:
		return nil, false, fmt.Errorf("interviewapi %s: the advice is for the %s engine, the spec runs %s; wait for advice measured on %s pods", obj.Name, rec.Mode, mode, mode)
	}
	pool := spec.Database.Pool
	if pool.SizeOrDefault() == *rec.Size && pool.MaxOverflowOrDefault() == *rec.MaxOverflow {
		return nil, true, nil
	}
	advised := iapiv1alpha1.PoolSpec{Size: *rec.Size, MaxOverflow: rec.MaxOverflow}
	if !rollout.PoolFits(spec.Database.MaxServerConnections, spec.ReplicasOrDefault(), advised) {
		return nil, false, fmt.Errorf("interviewapi %s: the advised pool %d+%d does not fit spec.database.maxServerConnections %d with %d replicas and a rollout's surge pod (%d connections each); the operator advises again from its next window",
			obj.Name, *rec.Size, *rec.MaxOverflow, *spec.Database.MaxServerConnections, spec.ReplicasOrDefault(), advised.ConnectionsPerPod())
	}
	patch, err := marshalPatch(map[string]any{
		"metadata": map[string]any{"resourceVersion": obj.ResourceVersion},
		"spec": map[string]any{"database": map[string]any{"pool": map[string]any{
			"size": *rec.Size, "maxOverflow": *rec.MaxOverflow,
		}}},
	})
	return patch, false, err
}

// poolOf is a pool as size+maxOverflow.
func poolOf(p iapiv1alpha1.PoolSpec) string {
	return fmt.Sprintf("%d+%d", p.SizeOrDefault(), p.MaxOverflowOrDefault())
}

// appliedMessage is what `recommend --apply` prints after the patch.
func appliedMessage(before, after *iapiv1alpha1.InterviewAPI) string {
	return fmt.Sprintf("interviewapi %s: spec.database.pool %s → %s; the operator rolls it out as a canary (kubectl interviewapi status %s --watch)",
		after.Name, poolOf(before.Spec.Database.Pool), poolOf(after.Spec.Database.Pool), after.Name)
}
