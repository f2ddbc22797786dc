package controllers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/controllers"
	"github.com/interviewapi/operator/internal/poolhealth"
	"github.com/interviewapi/operator/test/envtest"
)

// TestControlPlaneRestarts breaks the control plane in the middle of a rollout step, on
// an API server of its own whose processes can be restarted with their data: the
// operator must fail the passes it cannot complete, lose nothing the API server had
// stored, and carry the rollout on from where its status says once the control plane
// is back. The two cases share that API server and so run one after the other.
func TestControlPlaneRestarts(t *testing.T) {
	t.Parallel()
	e := envtest.StartRestartable(t)
	kubectl(t, kubeconfigFile(t, e.Config), "apply", "-k", "config/default")

	t.Run("kube-apiserver restarted during a step", func(t *testing.T) {
		testControlPlaneRestart(t, e, "apiserver-restart", e.StopAPIServer, e.StartAPIServer)
	})
	t.Run("etcd restarted during a step", func(t *testing.T) {
		testControlPlaneRestart(t, e, "etcd-restart", e.StopEtcd, e.StartEtcd)
	})
}

// TestLeaderChange stops the leading operator in the middle of a step, with and
// without releasing its Lease, on an API server of its own.
func TestLeaderChange(t *testing.T) {
	t.Parallel()
	e := startWithOperatorRBAC(t)

	t.Run("the leader stops during a step and releases its Lease", func(t *testing.T) {
		testLeaderChange(t, e, "leader-handover", true)
	})
	t.Run("the leader stops during a step without releasing its Lease, as a crash leaves it", func(t *testing.T) {
		testLeaderChange(t, e, "leader-crash", false)
	})
}

// TestUnreachableCanaryPod: a canary pod unreachable for scrapes gives Inconclusive,
// never Pass, and the rollout resumes once it answers again.
func TestUnreachableCanaryPod(t *testing.T) {
	t.Parallel()
	e := startWithOperatorRBAC(t)
	testUnreachableCanaryPod(t, e)
}

// testControlPlaneRestart stops a control-plane process when step 2 of 3 has one of its
// two analyses passed, lets the second come due and runs a pass while it is down, then
// starts it again. The pass must fail (its status write cannot land), the instance
// must be exactly as it was stored before, and the rollout must go on: the step
// completes with its second analysis, not a repeat of the first, and the canary is
// promoted after the last step.
func testControlPlaneRestart(t *testing.T, e *envtest.Env, ns string, stop, start func() error) {
	s := newScenario(t, e, ns, func(in *iapiv1alpha1.InterviewAPI) {
		in.Spec.Rollout.Steps[1].Pause = &metav1.Duration{Duration: 2 * analysisInterval}
	})
	startRollout(t, s)
	s.tick(analysisInterval)
	s.converge(t) // step 1 passed
	s.tick(analysisInterval)
	s.converge(t) // step 2: one of two analyses passed
	before := s.get(t)
	if st := before.Status; stepOf(st) != 1 || st.PassedAnalyses != 1 {
		t.Fatalf("before the fault: step %d passed %d", stepOf(st), st.PassedAnalyses)
	}
	_, measuredBefore := s.source.snapshot()

	stopAt := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	t.Logf("stopped in %s", time.Since(stopAt).Round(time.Millisecond))
	stopped := true
	t.Cleanup(func() {
		if stopped {
			_ = start()
		}
	})
	s.tick(analysisInterval)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	_, err := s.op.reconciler.Reconcile(ctx, ctrl.Request{NamespacedName: s.key})
	cancel()
	if err == nil {
		t.Error("a pass with the control plane down reported success")
	}
	t.Logf("the pass during the outage: %v", err)

	if err := start(); err != nil {
		t.Fatalf("start again: %v", err)
	}
	stopped = false
	var after *iapiv1alpha1.InterviewAPI
	eventually(t, "the instance readable after the restart", func() error {
		in := &iapiv1alpha1.InterviewAPI{}
		err := e.Client.Get(context.Background(), s.key, in)
		after = in
		return err
	})
	if after.ResourceVersion != before.ResourceVersion || after.Status.PassedAnalyses != before.Status.PassedAnalyses ||
		!after.Status.StepStartTime.Equal(before.Status.StepStartTime) {
		t.Fatalf("the instance changed across the restart: before rv %s status %+v, after rv %s status %+v",
			before.ResourceVersion, before.Status, after.ResourceVersion, after.Status)
	}

	// The step's second analysis completes it: the operator moves to step 3.
	s.converge(t)
	st := s.get(t).Status
	if stepOf(st) != 2 || st.LastAnalysis == nil || st.LastAnalysis.Step != 1 || st.LastAnalysis.Verdict != iapiv1alpha1.VerdictPass {
		t.Fatalf("after the restart: step %d last analysis %+v", stepOf(st), st.LastAnalysis)
	}
	s.wantDeployment(t, "canary", 4, true)
	_, measured := s.source.snapshot()
	for _, q := range measured[len(measuredBefore):] {
		if !q.Since.Equal(before.Status.StepStartTime.Time) {
			t.Errorf("a window of another step was measured after the fault: since %s, step 2 started %s", q.Since, before.Status.StepStartTime)
		}
	}

	s.tick(analysisInterval)
	s.converge(t)
	st = s.get(t).Status
	if st.Phase != iapiv1alpha1.PhaseHealthy || !st.Stable.Async || !slices.Equal(historyOutcomes(st), []string{iapiv1alpha1.OutcomeInitial, iapiv1alpha1.OutcomePromoted}) {
		t.Errorf("after the last step: phase %s stable %+v history %v", st.Phase, st.Stable, historyOutcomes(st))
	}
	s.wantDeployment(t, "stable", 4, true)
	s.wantNoCanary(t)
}

// testLeaderChange runs two operators that compete for one Lease, as two replicas of
// the operator Deployment do, on the real clock: the leader is stopped when step 2 of
// 3 has one of its two analyses passed, and the other must take over (at once when the
// Lease is released, after it expires when the leader crashed), complete the step with
// one more analysis, not redo step 1 nor the analysis already passed, and promote.
// The stopped leader must write nothing more.
func testLeaderChange(t *testing.T, e *envtest.Env, ns string, release bool) {
	createNamespace(t, e, ns)
	k := newKubelet(t, e, ns)
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go k.run(ctx, 50*time.Millisecond, errs)
	t.Cleanup(cancel)

	lease := "leader-" + ns
	srcA, srcB := newFakeSource(clock.RealClock{}, "async"), newFakeSource(clock.RealClock{}, "async")
	a := startOperator(t, e, inNamespaces(ns), withClock(clock.RealClock{}), withSources(srcA), withLeaderElection(lease, release))
	select {
	case <-a.elected:
	case <-time.After(waitTimeout):
		t.Fatal("the first operator was not elected")
	}
	b := startOperator(t, e, inNamespaces(ns), withClock(clock.RealClock{}), withSources(srcB), withLeaderElection(lease, release))

	// fakeSource reports measures for the Threshold judge (see newScenario).
	threshold := func(in *iapiv1alpha1.InterviewAPI) { in.Spec.Rollout.Analysis.Judge = iapiv1alpha1.JudgeThreshold }
	r := createLiveInstance(t, e, ns, errs, threshold, iapiv1alpha1.RolloutStep{Weight: 25},
		iapiv1alpha1.RolloutStep{Weight: 50, Pause: &metav1.Duration{Duration: 2 * analysisInterval}}, iapiv1alpha1.RolloutStep{Weight: 100})
	status := func(what string, cond func(iapiv1alpha1.InterviewAPIStatus) bool) iapiv1alpha1.InterviewAPIStatus {
		t.Helper()
		return r.waitStatus(t, 2*waitTimeout, what, func(st iapiv1alpha1.InterviewAPIStatus) error {
			if !cond(st) {
				return fmt.Errorf("phase %s step %d passed %d", st.Phase, stepOf(st), st.PassedAnalyses)
			}
			return nil
		})
	}
	status("the first revision healthy", func(st iapiv1alpha1.InterviewAPIStatus) bool { return st.Phase == iapiv1alpha1.PhaseHealthy })
	select {
	case <-b.elected:
		t.Fatal("both operators lead")
	default:
	}

	r.patch(t, enableAsync)
	mid := status("step 2 with one analysis passed", func(st iapiv1alpha1.InterviewAPIStatus) bool {
		return stepOf(st) == 1 && st.PassedAnalyses == 1
	})
	step2 := mid.StepStartTime.Time

	stoppedAt := time.Now()
	a.stop()
	writesAtStop := a.writes.count()
	select {
	case <-b.elected:
	case <-time.After(waitTimeout):
		t.Fatal("the second operator did not take over")
	}
	t.Logf("the second operator leads %s after the first stopped (Lease released: %v, duration %s)",
		time.Since(stoppedAt).Round(time.Millisecond), release, testLeaseDuration)

	st := status("promoted by the new leader", func(st iapiv1alpha1.InterviewAPIStatus) bool {
		return st.Phase == iapiv1alpha1.PhaseHealthy && st.Stable.Async
	})
	if got := historyOutcomes(st); !slices.Equal(got, []string{iapiv1alpha1.OutcomeInitial, iapiv1alpha1.OutcomePromoted}) {
		t.Errorf("history %v", got)
	}
	// Its Event recorder may still deliver its own leader-election Event to the
	// operator's namespace; nothing may reach the instance's.
	for _, w := range a.writes.since(writesAtStop) {
		if strings.Contains(w, "/namespaces/"+ns+"/") {
			t.Errorf("the stopped leader wrote after it stopped: %s", w)
		}
	}
	_, measured := srcB.snapshot()
	step2Windows := 0
	for _, q := range measured {
		switch {
		case q.Since.Before(step2):
			t.Errorf("the new leader measured a window of step 1 again (since %s; step 2 started %s)", q.Since, step2)
		case q.Since.Equal(step2):
			step2Windows++
		}
	}
	if step2Windows != 1 {
		t.Errorf("the new leader measured %d windows of step 2, want 1: the first leader's passed analysis counts", step2Windows)
	}
}

// testUnreachableCanaryPod scrapes real /metrics endpoints (metricsPod) with the
// operator's own scrape source, on the real clock, and makes one of the first step's
// two canary pods unreachable from the moment it exists: every analysis while it is
// must be Inconclusive, naming the pod, never Pass, and the step must hold; once the
// pod answers again the rollout must resume and promote.
func testUnreachableCanaryPod(t *testing.T, e *envtest.Env) {
	const ns = "unreachable"
	createNamespace(t, e, ns)
	k := newKubelet(t, e, ns)
	var mu sync.Mutex
	pods := map[int32]*metricsPod{}
	var victim *metricsPod
	k.serve = func(pod *corev1.Pod) (string, int32) {
		mode := "sync"
		if envOf(&appsv1.Deployment{Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: pod.Spec}}})["ASYNC_DATABASE_ENABLED"] == "true" {
			mode = "async"
		}
		p := startMetricsPod(t, mode)
		mu.Lock()
		defer mu.Unlock()
		pods[p.port] = p
		if mode == "async" && victim == nil {
			p.unreachable.Store(true)
			victim = p
		}
		return "127.0.0.1", p.port
	}
	op := startOperator(t, e, inNamespaces(ns), withSources(controllers.NewPoolHealthSources(poolhealth.NewScrapeSource())))
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go k.run(ctx, 50*time.Millisecond, errs)
	t.Cleanup(cancel)

	r := createLiveInstance(t, e, ns, errs, func(in *iapiv1alpha1.InterviewAPI) {
		// High enough that the analyses while the pod is unreachable do not pause the
		// rollout: the test is that they never pass, and that the step resumes after.
		in.Spec.Rollout.Analysis.InconclusiveLimit = 20
	}, iapiv1alpha1.RolloutStep{Weight: 50}, iapiv1alpha1.RolloutStep{Weight: 100})
	count := func(verdict string) float64 {
		v, _ := lookupValue(t, op.metrics, "interviewapi_rollout_analysis_total", map[string]string{"namespace": ns, "name": r.key.Name, "verdict": verdict})
		return v // no series yet: none recorded
	}
	verdicts := func() (pass, inconclusive, fail float64) {
		return count(iapiv1alpha1.VerdictPass), count(iapiv1alpha1.VerdictInconclusive), count(iapiv1alpha1.VerdictFail)
	}
	status := func(what string, cond func(iapiv1alpha1.InterviewAPIStatus) error) iapiv1alpha1.InterviewAPIStatus {
		t.Helper()
		return r.waitStatus(t, 3*waitTimeout, what, cond)
	}
	status("the first revision healthy", func(st iapiv1alpha1.InterviewAPIStatus) error {
		if st.Phase != iapiv1alpha1.PhaseHealthy {
			return fmt.Errorf("phase %s", st.Phase)
		}
		return nil
	})
	r.patch(t, enableAsync)

	// Two analyses with the pod unreachable: Inconclusive, naming it; nothing passes.
	st := status("two inconclusive analyses while a canary pod is unreachable", func(st iapiv1alpha1.InterviewAPIStatus) error {
		pass, inconclusive, fail := verdicts()
		if pass > 0 || fail > 0 {
			t.Fatalf("an analysis with a canary pod unreachable was not Inconclusive: %v Pass, %v Fail; last %+v", pass, fail, st.LastAnalysis)
		}
		if inconclusive < 2 {
			return fmt.Errorf("%v inconclusive analyses; phase %s step %d", inconclusive, st.Phase, stepOf(st))
		}
		return nil
	})
	if stepOf(st) != 0 || st.Phase != iapiv1alpha1.PhaseProgressing || st.LastAnalysis == nil ||
		st.LastAnalysis.Verdict != iapiv1alpha1.VerdictInconclusive || !strings.Contains(st.LastAnalysis.Message, "pod ") {
		t.Fatalf("while unreachable: phase %s step %d last analysis %+v", st.Phase, stepOf(st), st.LastAnalysis)
	}
	t.Logf("while unreachable: %s", st.LastAnalysis.Message)

	mu.Lock()
	victim.unreachable.Store(false)
	mu.Unlock()
	st = status("promoted once the pod answers again", func(st iapiv1alpha1.InterviewAPIStatus) error {
		if st.Phase != iapiv1alpha1.PhaseHealthy || !st.Stable.Async {
			return fmt.Errorf("phase %s step %d last analysis %+v", st.Phase, stepOf(st), st.LastAnalysis)
		}
		return nil
	})
	if got := historyOutcomes(st); !slices.Equal(got, []string{iapiv1alpha1.OutcomeInitial, iapiv1alpha1.OutcomePromoted}) {
		t.Errorf("history %v", got)
	}
	pass, inconclusive, fail := verdicts()
	t.Logf("analyses: %v Pass, %v Inconclusive, %v Fail", pass, inconclusive, fail)
	if pass != 2 || fail != 0 {
		t.Errorf("analyses: %v Pass (want one per step), %v Fail", pass, fail)
	}
}

// liveInstance is an instance reconciled by a running operator on the real clock,
// with a running fake kubelet whose first error ends the test.
type liveInstance struct {
	e    *envtest.Env
	key  types.NamespacedName
	errs <-chan error
}

// createLiveInstance creates the sample with 4 replicas and the given steps analysed
// every analysisInterval, changed by mutate, in ns.
func createLiveInstance(t *testing.T, e *envtest.Env, ns string, errs <-chan error, mutate func(*iapiv1alpha1.InterviewAPI), steps ...iapiv1alpha1.RolloutStep) *liveInstance {
	t.Helper()
	in := sampleInstance(t)
	in.Namespace = ns
	in.Spec.Replicas = ptr.To[int32](4)
	in.Spec.Database.MaxServerConnections = nil
	in.Spec.Rollout.Steps = steps
	in.Spec.Rollout.Analysis.Interval = &metav1.Duration{Duration: analysisInterval}
	if mutate != nil {
		mutate(in)
	}
	if err := e.Client.Create(context.Background(), in); err != nil {
		t.Fatalf("create the instance: %v", err)
	}
	return &liveInstance{e: e, key: client.ObjectKeyFromObject(in), errs: errs}
}

// waitStatus polls the instance until cond accepts its status.
func (r *liveInstance) waitStatus(t *testing.T, timeout time.Duration, what string, cond func(iapiv1alpha1.InterviewAPIStatus) error) iapiv1alpha1.InterviewAPIStatus {
	t.Helper()
	var st iapiv1alpha1.InterviewAPIStatus
	eventuallyWithin(t, timeout, what, func() error {
		select {
		case err := <-r.errs:
			t.Fatalf("kubelet: %v", err)
		default:
		}
		got := &iapiv1alpha1.InterviewAPI{}
		if err := r.e.Client.Get(context.Background(), r.key, got); err != nil {
			return err
		}
		st = got.Status
		return cond(st)
	})
	return st
}

// patch merge-patches the instance.
func (r *liveInstance) patch(t *testing.T, patch string) {
	t.Helper()
	patchInstance(t, r.e, &iapiv1alpha1.InterviewAPI{ObjectMeta: metav1.ObjectMeta{Namespace: r.key.Namespace, Name: r.key.Name}}, patch)
}
