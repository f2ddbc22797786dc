package plugin

import (
	"strings"
	"testing"
	"time"

	"k8s.io/utils/ptr"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

func TestRenderRecommendation(t *testing.T) {
	assertGolden(t, "recommend_starving", renderRecommendation(advisedInstance("starving"), fixtureNow()))

	none := promotedInstance("quiet")
	none.Status.Recommendation = &iapiv1alpha1.PoolRecommendation{Time: ago(time.Minute), Mode: "async",
		Reason: "no recommendation yet: stable: 150 acquires in 1m0s, fewer than the 200 the advice needs"}
	assertGolden(t, "recommend_none", renderRecommendation(none, fixtureNow()))

	if got := renderRecommendation(promotedInstance("new"), fixtureNow()); !strings.HasPrefix(got, "interviewapi new has no recommendation yet") {
		t.Errorf("without status.recommendation: %q", got)
	}
}

func TestRecommendationPatch(t *testing.T) {
	patch, done, err := recommendationPatch(advisedInstance("starving"))
	if err != nil || done {
		t.Fatalf("patch %s done %v: %v", patch, done, err)
	}
	if want := `{"metadata":{"resourceVersion":""},"spec":{"database":{"pool":{"maxOverflow":29,"size":39}}}}`; string(patch) != want {
		t.Errorf("patch %s, want %s", patch, want)
	}

	applied := advisedInstance("applied")
	applied.Spec.Database.Pool = iapiv1alpha1.PoolSpec{Size: 39, MaxOverflow: ptr.To[int32](29)}
	if _, done, err := recommendationPatch(applied); err != nil || !done {
		t.Errorf("the advised pool already in the spec: done %v, %v", done, err)
	}

	for name, tc := range map[string]struct {
		mutate func(*iapiv1alpha1.InterviewAPI)
		want   string
	}{
		"no recommendation": {func(o *iapiv1alpha1.InterviewAPI) { o.Status.Recommendation = nil }, "has no recommendation yet"},
		"no advice": {func(o *iapiv1alpha1.InterviewAPI) {
			o.Status.Recommendation.Size, o.Status.Recommendation.Reason = nil, "no recommendation yet: too few acquires"
		}, "has no advice to apply: no recommendation yet: too few acquires"},
		"a rollout runs": {func(o *iapiv1alpha1.InterviewAPI) {
			c := syncRevision()
			o.Status.Canary, o.Status.Phase = &c, iapiv1alpha1.PhaseProgressing
		}, "is rolling out revision"},
		"another engine": {func(o *iapiv1alpha1.InterviewAPI) { o.Spec.Database.Async.Enabled = false }, "the advice is for the async engine, the spec runs sync"},
		// 5 pods × (39 + 29 + 3) = 355 > 50, though the spec's 4 × 4 fits.
		"over the budget": {func(o *iapiv1alpha1.InterviewAPI) { o.Spec.Database.MaxServerConnections = ptr.To[int32](50) },
			"the advised pool 39+29 does not fit spec.database.maxServerConnections 50 with 4 replicas and a rollout's surge pod (71 connections each)"},
	} {
		obj := advisedInstance("refused")
		tc.mutate(obj)
		if patch, _, err := recommendationPatch(obj); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: patch %s, error %v; want an error saying %q", name, patch, err, tc.want)
		}
	}
}
