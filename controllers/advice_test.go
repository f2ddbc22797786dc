package controllers_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/advice"
	"github.com/interviewapi/operator/internal/metricnames"
	"github.com/interviewapi/operator/test/envtest"
)

// adviceInterval is the scenarios' steady-state sampling interval: the shortest
// window the advice accepts.
const adviceInterval = advice.MinWindow

// TestPoolAdvice runs the pool advice against a real API server: the operator samples
// the stable pods through the fake metric source when no rollout runs, and the
// windows of a rollout's analyses feed the advice too. The maths is
// internal/advice's, tested there against R's qpois; here the status, Event and
// metrics must be what advice.Recommend makes of the fake pods' windows, written
// only when the advice moves materially.
func TestPoolAdvice(t *testing.T) {
	t.Parallel()
	e := startWithOperatorRBAC(t)
	t.Run("steady samples, the budget and a rollout's windows", func(t *testing.T) { testAdviceLifecycle(t, e) })
	t.Run("no advice of another engine, with the reason", func(t *testing.T) { testNoAdvice(t, e) })
}

// wantAdvice is what advice.Recommend advises for what the fake source reports of
// pods that ran pool: 400 acquires per pod over the window, a share utilization of
// the pool in use, no timeouts.
func wantAdvice(t *testing.T, pods int, pool iapiv1alpha1.PoolSpec, utilization float64, in *iapiv1alpha1.InterviewAPI) advice.Advice {
	t.Helper()
	a, err := advice.Recommend(advice.Sample{
		Mode: "async", Pods: pods, Window: adviceInterval, Acquires: 400 * float64(pods),
		Utilization: utilization, Size: pool.SizeOrDefault(), MaxOverflow: pool.MaxOverflowOrDefault(),
	}, advice.Budget{Replicas: in.Spec.ReplicasOrDefault(), MaxServerConnections: in.Spec.Database.MaxServerConnections})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkRecommendation compares status.recommendation with an advice from the pods of
// track.
func (s *scenario) checkRecommendation(t *testing.T, want advice.Advice, track string, pods int) *iapiv1alpha1.PoolRecommendation {
	t.Helper()
	rec := s.get(t).Status.Recommendation
	if rec == nil || rec.Size == nil || rec.MaxOverflow == nil || rec.BasedOn == nil {
		t.Fatalf("status.recommendation %+v, want %d+%d", rec, want.Size, want.MaxOverflow)
	}
	b := rec.BasedOn
	if *rec.Size != want.Size || *rec.MaxOverflow != want.MaxOverflow || rec.Mode != "async" || rec.Capped != want.Capped ||
		rec.Saturated != want.Saturated || b.Track != track || b.Pods != int32(pods) || b.Samples != int64(400*pods) ||
		b.Window.Duration != adviceInterval || b.P99Concurrency != want.P99Concurrency || rec.Reason != want.Reason {
		t.Errorf("status.recommendation %d+%d %+v based on %+v, want %d+%d from %d %s pods: %s",
			*rec.Size, *rec.MaxOverflow, rec, b, want.Size, want.MaxOverflow, pods, track, want.Reason)
	}
	if got := s.metric(t, metricnames.PoolRecommendedSize); got != float64(want.Size) {
		t.Errorf("%s %v, want %d", metricnames.PoolRecommendedSize, got, want.Size)
	}
	if got := s.metric(t, metricnames.PoolRecommendedMaxOverflow); got != float64(want.MaxOverflow) {
		t.Errorf("%s %v, want %d", metricnames.PoolRecommendedMaxOverflow, got, want.MaxOverflow)
	}
	return rec
}

func testAdviceLifecycle(t *testing.T, e *envtest.Env) {
	pool := iapiv1alpha1.PoolSpec{Size: 20, MaxOverflow: ptr.To[int32](30)}
	s := newScenarioWith(t, e, "advice", nil, func(in *iapiv1alpha1.InterviewAPI) {
		in.Spec.Database.Async.Enabled = true
		in.Spec.Database.Pool.Size, in.Spec.Database.Pool.MaxOverflow = pool.Size, pool.MaxOverflow
		// Rollout windows as long as the steady ones, so that they feed the advice.
		in.Spec.Rollout.Analysis.Interval = &metav1.Duration{Duration: adviceInterval}
		// A saturated canary passes, so that its rollout goes on.
		in.Spec.Rollout.Analysis.Thresholds.MaxPoolUtilization = "1"
	}, withAdviceInterval(adviceInterval))
	ns, name := s.key.Namespace, s.key.Name

	// The first pass with ready pods sampled them: the fake source has a window at
	// once. Four stable pods with a third of 20+30 in use.
	in := s.get(t)
	first := wantAdvice(t, 4, pool, defaultUtilization, in)
	s.checkRecommendation(t, first, iapiv1alpha1.TrackStable, 4)
	s.waitEvent(t, corev1.EventTypeNormal, iapiv1alpha1.ReasonPoolRecommendation,
		"advised pool", "kubectl interviewapi recommend "+name+" --apply", first.Reason)

	// Within the interval, a pass asks the source nothing and asks to come back.
	queries, _ := s.source.snapshot()
	res := s.reconcile(t)
	if after, _ := s.source.snapshot(); len(after) != len(queries) {
		t.Errorf("a pass inside the interval measured %d times", len(after)-len(queries))
	}
	if res.RequeueAfter <= 0 || res.RequeueAfter > adviceInterval {
		t.Errorf("requeue %s, want within the advice interval %s", res.RequeueAfter, adviceInterval)
	}

	// The next window says the same: sampled, and no status write.
	version := in.ResourceVersion
	s.tick(adviceInterval)
	s.reconcile(t)
	if after, _ := s.source.snapshot(); len(after) != len(queries)+1 {
		t.Errorf("the due pass measured %d times, want once", len(after)-len(queries))
	}
	if got := s.get(t).ResourceVersion; got != version {
		t.Errorf("an unchanged advice wrote the status (resourceVersion %s → %s)", version, got)
	}

	// A budget the stored advice breaks with a rollout's surge pod: the next window
	// gives an advice cut to it. 4 replicas × 53 (20+30+3) is the CRD's least; the
	// advice must fit 5 pods, and the saturated advice below, cut to it too, must
	// differ from this one materially.
	s.patch(t, `{"spec":{"database":{"maxServerConnections":500}}}`)
	s.converge(t)
	s.tick(adviceInterval)
	s.converge(t)
	in = s.get(t)
	capped := wantAdvice(t, 4, pool, defaultUtilization, in)
	if !capped.Capped {
		t.Fatalf("the advice %d+%d is not cut by maxServerConnections 500: %s", capped.Size, capped.MaxOverflow, capped.Reason)
	}
	rec := s.checkRecommendation(t, capped, iapiv1alpha1.TrackStable, 4)
	if need := 5 * (*rec.Size + *rec.MaxOverflow + iapiv1alpha1.ServerConnectionsOutsidePool); need > 500 {
		t.Errorf("the advice %d+%d needs %d connections with the surge pod, more than the budget of 500", *rec.Size, *rec.MaxOverflow, need)
	}

	// A rollout of a smaller pool whose canary is saturated: the analysis window of
	// the canary pod is the advice now (the stable pods' window carries no mode in
	// the fake source, so it gives none).
	small := iapiv1alpha1.PoolSpec{Size: 10, MaxOverflow: ptr.To[int32](30)}
	s.source.setCanaryUtilization(1)
	s.patch(t, `{"spec":{"database":{"pool":{"size":10}}}}`)
	s.converge(t)
	if st := s.get(t).Status; st.Canary == nil {
		t.Fatalf("no rollout of pool.size 10: phase %s", st.Phase)
	}
	s.tick(adviceInterval)
	s.converge(t)
	saturated := wantAdvice(t, 1, small, 1, s.get(t))
	if !saturated.Saturated {
		t.Fatalf("the canary's advice is not saturated: %s", saturated.Reason)
	}
	s.checkRecommendation(t, saturated, iapiv1alpha1.TrackCanary, 1)
	s.waitEvent(t, corev1.EventTypeNormal, iapiv1alpha1.ReasonPoolRecommendation, saturated.Reason)

	// Deleting the instance frees what was kept for it.
	if err := s.e.Client.Delete(context.Background(), s.get(t)); err != nil {
		t.Fatalf("delete the instance: %v", err)
	}
	s.reconcile(t)
	if s.source.keeps(ns, name) {
		t.Error("the source still keeps the samples of a deleted instance")
	}
	for _, m := range []string{metricnames.PoolRecommendedSize, metricnames.PoolRecommendedMaxOverflow} {
		if _, ok := lookupValue(t, s.op.metrics, m, map[string]string{"namespace": ns, "name": name}); ok {
			t.Errorf("%s of the deleted instance is still exported", m)
		}
	}
}

// The fake pods report the async engine; an instance whose spec runs sync gets no
// advice from them, and its status says why.
func testNoAdvice(t *testing.T, e *envtest.Env) {
	s := newScenarioWith(t, e, "advice-none", nil, nil, withAdviceInterval(adviceInterval))
	rec := s.get(t).Status.Recommendation
	if rec == nil || rec.Size != nil || rec.MaxOverflow != nil || rec.Mode != "sync" ||
		!strings.Contains(rec.Reason, "no recommendation yet") || !strings.Contains(rec.Reason, "the stable pods ran async, the spec asks for sync") {
		t.Fatalf("status.recommendation %+v, want none with the reason", rec)
	}
	if _, ok := lookupValue(t, s.op.metrics, metricnames.PoolRecommendedSize, map[string]string{"namespace": s.key.Namespace, "name": s.key.Name}); ok {
		t.Errorf("%s is exported without an advice", metricnames.PoolRecommendedSize)
	}
	// A reason for none is not rewritten at every window.
	version := s.get(t).ResourceVersion
	s.tick(adviceInterval)
	s.converge(t)
	if got := s.get(t).ResourceVersion; got != version {
		t.Errorf("a window with no advice again wrote the status (resourceVersion %s → %s)", version, got)
	}
}
