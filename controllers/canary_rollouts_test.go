package controllers_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	pluginpkg "github.com/interviewapi/operator/internal/plugin"
	"github.com/interviewapi/operator/internal/poolhealth"
	"github.com/interviewapi/operator/test/envtest"
)

const enableAsync = `{"spec":{"database":{"async":{"enabled":true}}}}`
const disableAsync = `{"spec":{"database":{"async":{"enabled":false}}}}`

// TestRollouts runs canary rollouts end to end against a real API server: the
// operator, with the RBAC of config/default, observes, measures through a fake
// metric source, decides and applies; a fake kubelet runs the pods. Each scenario
// has its own namespace and operator.
func TestRollouts(t *testing.T) {
	t.Parallel()
	e := envtest.Start(t)
	kubeconfig := kubeconfigFile(t, e.Config)
	kubectl(t, kubeconfig, "apply", "-k", "config/default")

	t.Run("async enabled: steps advance, the canary is promoted, a patch back is a fast rollback", func(t *testing.T) { testPromoteThenFastRollback(t, e) })
	t.Run("a failing analysis scales the canary to 0 in the same pass", func(t *testing.T) { testFailedAnalysis(t, e) })
	t.Run("canary pods not ready within the progress deadline are rolled back", func(t *testing.T) { testProgressDeadline(t, e) })
	t.Run("a spec back at the stable revision aborts the canary in one pass", func(t *testing.T) { testAbortByPatch(t, e) })
	t.Run("a restarted operator resumes the step", func(t *testing.T) { testRestartMidStep(t, e) })
	t.Run("a step the connection budget cannot take is held", func(t *testing.T) { testBudgetHold(t, e) })
	t.Run("kubectl interviewapi steers the rollout", func(t *testing.T) { testPluginControls(t, e, kubeconfig) })
	t.Run("per-instance state is freed when the rollout ends and when the instance goes", func(t *testing.T) { testStateFreed(t, e) })
}

// startRollout enables async and runs until the first step's canary pod is ready and
// its analysis window is open. It returns the requeue the last pass asked for.
func startRollout(t *testing.T, s *scenario) time.Duration {
	t.Helper()
	s.patch(t, enableAsync)
	return s.converge(t).RequeueAfter
}

// stepOf is status.currentStep, -1 when no rollout runs.
func stepOf(st iapiv1alpha1.InterviewAPIStatus) int32 { return ptr.Deref(st.CurrentStep, -1) }

// podNames are the names of the measured pods.
func podNames(pods []poolhealth.Pod) []string {
	names := make([]string, len(pods))
	for i, p := range pods {
		names[i] = p.Name
	}
	slices.Sort(names)
	return names
}

func testPromoteThenFastRollback(t *testing.T, e *envtest.Env) {
	s := newScenario(t, e, "promote", nil)
	syncRev := s.get(t).Status.Stable.Revision

	window := startRollout(t, s)
	st := s.get(t).Status
	asyncRev := st.Canary.Revision
	// 25 % of 4 replicas: one canary pod; the stable track gave one up once it was ready.
	s.wantDeployment(t, "canary", 1, true)
	s.wantDeployment(t, "stable", 3, false)
	if st.Phase != iapiv1alpha1.PhaseProgressing || stepOf(st) != 0 || st.CanaryWeight != 25 ||
		st.Mode != "sync→async" || st.StepStartTime == nil || !st.StepStartTime.Time.Equal(t0) {
		t.Fatalf("step 1: phase %s step %d weight %d mode %s started %v", st.Phase, stepOf(st), st.CanaryWeight, st.Mode, st.StepStartTime)
	}
	if window <= 0 || window > analysisInterval {
		t.Errorf("requeue %s while the first analysis window fills, want (0, %s]", window, analysisInterval)
	}
	s.waitEvent(t, corev1.EventTypeNormal, iapiv1alpha1.ReasonRolloutStarted, asyncRev, "step 1/3 (25%)")

	// The analysis measured exactly the ready pods of each revision, from the step's start.
	queries, _ := s.source.snapshot()
	if len(queries) == 0 {
		t.Fatal("no analysis was asked for")
	}
	q := queries[len(queries)-1]
	if got, want := podNames(q.Canary), s.kubelet.readyPods(t, "interview", "canary", asyncRev); !slices.Equal(got, want) {
		t.Errorf("canary pods measured %v, want %v", got, want)
	}
	if got, want := podNames(q.Stable), s.kubelet.readyPods(t, "interview", "stable", syncRev); !slices.Equal(got, want) || len(got) != 3 {
		t.Errorf("stable pods measured %v, want the 3 of %v", got, want)
	}
	if !q.Since.Equal(t0) || q.Interval != analysisInterval || q.Namespace != "promote" || q.Instance != "interview" {
		t.Errorf("query since %s interval %s for %s/%s", q.Since, q.Interval, q.Namespace, q.Instance)
	}

	// Each interval's passing analysis moves one step on.
	for step, want := range []struct{ canary, stable, weight int32 }{{2, 2, 50}, {4, 0, 100}} {
		s.tick(analysisInterval)
		s.converge(t)
		st := s.get(t).Status
		if stepOf(st) != int32(step+1) || st.CanaryWeight != want.weight || st.LastAnalysis == nil ||
			st.LastAnalysis.Verdict != iapiv1alpha1.VerdictPass || st.LastAnalysis.Step != int32(step) {
			t.Fatalf("after analysis %d: step %d weight %d last analysis %+v", step+1, stepOf(st), st.CanaryWeight, st.LastAnalysis)
		}
		s.wantDeployment(t, "canary", want.canary, true)
		s.wantDeployment(t, "stable", want.stable, false)
	}
	s.waitEvent(t, corev1.EventTypeNormal, iapiv1alpha1.ReasonStepPromoted, "step 2/3 (50%)")

	// The last step's analysis promotes: the stable track takes async, the canary hands
	// its pods over and goes.
	s.tick(analysisInterval)
	s.converge(t)
	st = s.get(t).Status
	s.wantDeployment(t, "stable", 4, true)
	s.wantNoCanary(t)
	if st.Phase != iapiv1alpha1.PhaseHealthy || st.Stable.Revision != asyncRev || !st.Stable.Async || st.Canary != nil ||
		st.CanaryWeight != 0 || st.Mode != "async" || st.ReadyReplicas != 4 {
		t.Fatalf("promoted: phase %s stable %+v canary %+v weight %d mode %s ready %d", st.Phase, st.Stable, st.Canary, st.CanaryWeight, st.Mode, st.ReadyReplicas)
	}
	if got := historyOutcomes(st); !slices.Equal(got, []string{iapiv1alpha1.OutcomeInitial, iapiv1alpha1.OutcomePromoted}) {
		t.Errorf("history %v", got)
	}
	s.waitEvent(t, corev1.EventTypeNormal, iapiv1alpha1.ReasonPromoted, asyncRev, "passed all 3 steps")
	for _, m := range []struct {
		name  string
		pairs []string
		want  float64
	}{
		{"interviewapi_rollout_analysis_total", []string{"verdict", "Pass"}, 3},
		{"interviewapi_rollout_promotions_total", nil, 1},
		{"interviewapi_rollout_step_duration_seconds", nil, 3},
		{"interviewapi_rollout_phase", nil, 0},
		{"interviewapi_rollout_canary_weight", nil, 0},
	} {
		if got := s.metric(t, m.name, m.pairs...); got != m.want {
			t.Errorf("%s%v = %v, want %v", m.name, m.pairs, got, m.want)
		}
	}

	// Disabling async again returns to the first revision, which served until a
	// moment ago: the stable Deployment takes it in the pass that sees the patch.
	s.tick(time.Minute)
	s.patch(t, disableAsync)
	s.reconcile(t)
	s.wantDeployment(t, "stable", 4, false)
	s.wantNoCanary(t)
	st = s.get(t).Status
	if st.Stable.Revision != syncRev || st.Canary != nil || st.Mode != "sync" {
		t.Fatalf("fast rollback: stable %+v canary %+v mode %s", st.Stable, st.Canary, st.Mode)
	}
	if got := historyOutcomes(st); !slices.Equal(got, []string{iapiv1alpha1.OutcomeInitial, iapiv1alpha1.OutcomePromoted, iapiv1alpha1.OutcomeFastRollback}) {
		t.Errorf("history %v", got)
	}
	if got := s.metric(t, "interviewapi_rollout_rollbacks_total", "reason", iapiv1alpha1.ReasonFastRollback); got != 1 {
		t.Errorf("rollbacks{FastRollback} = %v", got)
	}
	s.waitEvent(t, corev1.EventTypeNormal, iapiv1alpha1.ReasonFastRollback, syncRev, "applied without steps")
	s.converge(t)
	if st := s.get(t).Status; st.Phase != iapiv1alpha1.PhaseHealthy || st.ReadyReplicas != 4 {
		t.Errorf("after the fast rollback: phase %s ready %d", st.Phase, st.ReadyReplicas)
	}
}

func testFailedAnalysis(t *testing.T, e *envtest.Env) {
	s := newScenario(t, e, "failure", nil)
	startRollout(t, s)
	s.tick(analysisInterval)
	s.converge(t) // step 1 passed; step 2 (50 %) runs
	asyncRev := s.get(t).Status.Canary.Revision
	s.wantDeployment(t, "canary", 2, true)

	// Step 2's analysis: the canary's acquire wait is far above the threshold.
	s.source.setCanaryP99(250 * time.Millisecond)
	s.tick(analysisInterval)
	s.reconcile(t)

	// That one pass measured, failed the analysis and took the canary's pods away.
	s.wantDeployment(t, "canary", 0, true)
	st := s.get(t).Status
	if st.Phase != iapiv1alpha1.PhaseRolledBack || st.Canary != nil || st.FailedRevision != asyncRev || st.CanaryWeight != 0 {
		t.Fatalf("phase %s canary %+v failed revision %q weight %d", st.Phase, st.Canary, st.FailedRevision, st.CanaryWeight)
	}
	a := st.LastAnalysis
	if a == nil || a.Verdict != iapiv1alpha1.VerdictFail || a.Step != 1 {
		t.Fatalf("last analysis %+v, want a failure of step 2", a)
	}
	var p99 *iapiv1alpha1.MetricResult
	for i := range a.Metrics {
		if a.Metrics[i].Name == "acquireWaitP99" {
			p99 = &a.Metrics[i]
		}
	}
	if p99 == nil || p99.Value != "250ms" || p99.Threshold != "<= 100ms" || p99.Verdict != iapiv1alpha1.VerdictFail {
		t.Errorf("acquireWaitP99 in the last analysis: %+v", p99)
	}
	const why = "acquireWaitP99 250ms is above the threshold 100ms"
	c := meta.FindStatusCondition(st.Conditions, iapiv1alpha1.ConditionRolledBack)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != iapiv1alpha1.ReasonAnalysisFailed || !strings.Contains(c.Message, why) {
		t.Errorf("RolledBack condition %+v, want True/AnalysisFailed naming %q", c, why)
	}
	s.waitEvent(t, corev1.EventTypeWarning, iapiv1alpha1.ReasonRolledBack, asyncRev, "step 2/3 (50%)", why)
	s.waitEvent(t, corev1.EventTypeWarning, iapiv1alpha1.ReasonAnalysisFailed, why)
	if got := s.metric(t, "interviewapi_rollout_rollbacks_total", "reason", iapiv1alpha1.ReasonAnalysisFailed); got != 1 {
		t.Errorf("rollbacks{AnalysisFailed} = %v", got)
	}
	if got := s.metric(t, "interviewapi_rollout_analysis_total", "verdict", iapiv1alpha1.VerdictFail); got != 1 {
		t.Errorf("analysis{Fail} = %v", got)
	}
	if got := s.metric(t, "interviewapi_rollout_phase"); got != 4 {
		t.Errorf("phase gauge %v, want 4 (RolledBack)", got)
	}

	// The stable pods come back, the canary goes, and the spec (still async) is not
	// tried again: it waits for a new spec or the retry annotation.
	s.converge(t)
	s.tick(time.Hour)
	s.converge(t)
	s.wantDeployment(t, "stable", 4, false)
	s.wantNoCanary(t)
	st = s.get(t).Status
	if in := s.get(t); !in.Spec.Database.Async.Enabled || st.Phase != iapiv1alpha1.PhaseRolledBack || st.Canary != nil {
		t.Errorf("an hour later: spec async %v phase %s canary %+v", in.Spec.Database.Async.Enabled, st.Phase, st.Canary)
	}
	if got := historyOutcomes(st); !slices.Equal(got, []string{iapiv1alpha1.OutcomeInitial, iapiv1alpha1.OutcomeRolledBack}) {
		t.Errorf("history %v", got)
	}
}

func testProgressDeadline(t *testing.T, e *envtest.Env) {
	s := newScenario(t, e, "deadline", func(in *iapiv1alpha1.InterviewAPI) {
		in.Spec.Rollout.ProgressDeadline = &metav1.Duration{Duration: 10 * time.Second}
	})
	s.kubelet.held["interview-canary"] = true // its pods never start
	res := startRollout(t, s)
	s.wantDeployment(t, "canary", 1, true)
	s.wantDeployment(t, "stable", 4, false) // nothing given up for a canary pod that is not ready
	if res.Seconds() != 10 {
		t.Errorf("requeue %s while waiting for the canary pods, want the progress deadline 10s", res)
	}

	s.tick(9 * time.Second)
	s.converge(t)
	if st := s.get(t).Status; st.Phase != iapiv1alpha1.PhaseProgressing || st.Canary == nil {
		t.Fatalf("before the deadline: phase %s canary %+v", st.Phase, st.Canary)
	}
	s.tick(time.Second)
	s.reconcile(t)
	s.wantDeployment(t, "canary", 0, true)
	st := s.get(t).Status
	c := meta.FindStatusCondition(st.Conditions, iapiv1alpha1.ConditionRolledBack)
	if st.Phase != iapiv1alpha1.PhaseRolledBack || c == nil || c.Status != metav1.ConditionTrue || c.Reason != iapiv1alpha1.ReasonProgressDeadline ||
		!strings.Contains(c.Message, "not ready within the progress deadline of 10s (0 of 1 available)") {
		t.Fatalf("phase %s RolledBack %+v", st.Phase, c)
	}
	if got := s.metric(t, "interviewapi_rollout_rollbacks_total", "reason", iapiv1alpha1.ReasonProgressDeadline); got != 1 {
		t.Errorf("rollbacks{ProgressDeadlineExceeded} = %v", got)
	}
	s.converge(t)
	s.wantNoCanary(t)
}

func testAbortByPatch(t *testing.T, e *envtest.Env) {
	s := newScenario(t, e, "abort", nil)
	startRollout(t, s)
	asyncRev := s.get(t).Status.Canary.Revision
	s.wantDeployment(t, "canary", 1, true)

	s.patch(t, disableAsync)
	s.reconcile(t)
	s.wantDeployment(t, "canary", 0, true)
	st := s.get(t).Status
	if st.Canary != nil || st.CurrentStep != nil || st.FailedRevision != "" {
		t.Fatalf("aborted: canary %+v step %d failed revision %q", st.Canary, stepOf(st), st.FailedRevision)
	}
	if got := historyOutcomes(st); !slices.Equal(got, []string{iapiv1alpha1.OutcomeInitial, iapiv1alpha1.OutcomeAborted}) {
		t.Errorf("history %v", got)
	}
	s.waitEvent(t, corev1.EventTypeNormal, iapiv1alpha1.ReasonAborted, asyncRev, "returned to the stable revision")
	if got := s.metric(t, "interviewapi_rollout_rollbacks_total", "reason", iapiv1alpha1.ReasonAborted); got != 1 {
		t.Errorf("rollbacks{Aborted} = %v", got)
	}

	s.converge(t)
	s.wantNoCanary(t)
	s.wantDeployment(t, "stable", 4, false)
	if st := s.get(t).Status; st.Phase != iapiv1alpha1.PhaseHealthy || st.ReadyReplicas != 4 {
		t.Errorf("after the abort: phase %s ready %d", st.Phase, st.ReadyReplicas)
	}
}

func testRestartMidStep(t *testing.T, e *envtest.Env) {
	// Step 2 is analysed for two intervals: two passing analyses.
	s := newScenario(t, e, "restart", func(in *iapiv1alpha1.InterviewAPI) {
		in.Spec.Rollout.Steps[1].Pause = &metav1.Duration{Duration: 2 * analysisInterval}
	})
	startRollout(t, s)
	s.tick(analysisInterval)
	s.converge(t) // step 1 passed
	stepStart := s.get(t).Status.StepStartTime
	s.tick(analysisInterval)
	s.converge(t) // step 2: one of two analyses passed
	before := s.get(t)
	if st := before.Status; stepOf(st) != 1 || st.PassedAnalyses != 1 || !st.StepStartTime.Equal(stepStart) {
		t.Fatalf("before the restart: step %d passed %d started %v", stepOf(st), st.PassedAnalyses, st.StepStartTime)
	}

	s.restart(t)
	s.converge(t)
	after := s.get(t)
	if after.ResourceVersion != before.ResourceVersion {
		t.Errorf("the new operator's first passes changed the instance: status %+v", after.Status)
	}
	if queries, _ := s.source.snapshot(); len(queries) != 0 {
		t.Errorf("the new operator measured before the next analysis was due: %+v", queries)
	}
	s.wantDeployment(t, "canary", 2, true)

	// The step's second analysis completes it; no earlier step is analysed again.
	s.tick(analysisInterval)
	s.converge(t)
	st := s.get(t).Status
	if stepOf(st) != 2 || st.LastAnalysis == nil || st.LastAnalysis.Step != 1 {
		t.Fatalf("after the second analysis: step %d last analysis %+v", stepOf(st), st.LastAnalysis)
	}
	_, measured := s.source.snapshot()
	if len(measured) != 1 || !measured[0].Since.Equal(stepStart.Time) {
		t.Errorf("the new operator measured %d windows (%+v), want the one of step 2 (since %s)", len(measured), measured, stepStart)
	}
	s.tick(analysisInterval)
	s.converge(t)
	st = s.get(t).Status
	if st.Phase != iapiv1alpha1.PhaseHealthy || !st.Stable.Async || !slices.Equal(historyOutcomes(st), []string{iapiv1alpha1.OutcomeInitial, iapiv1alpha1.OutcomePromoted}) {
		t.Errorf("after the last step: phase %s stable %+v history %v", st.Phase, st.Stable, historyOutcomes(st))
	}
	s.wantNoCanary(t)
}

func testBudgetHold(t *testing.T, e *envtest.Env) {
	// Pods with a pool of 70+30, 103 connections each with the server's 3 outside the
	// pool; then a pool of 20+30 (53 a pod) within a budget of 250, which the 4 stable
	// pods alone already exceed: the first step needs 3 × 103 + 1 × 53.
	s := newScenario(t, e, "budget", func(in *iapiv1alpha1.InterviewAPI) { in.Spec.Database.Pool.Size = 70 })
	s.patch(t, `{"spec":{"database":{"maxServerConnections":250,"pool":{"size":20}}}}`)
	s.converge(t)
	st := s.get(t).Status
	const want = "step 1/3 (25%) needs 3 stable pods × 103 + 1 canary pods × 53 connections = 362, more than spec.database.maxServerConnections 250; holding at 4 stable and 0 canary pods"
	c := meta.FindStatusCondition(st.Conditions, iapiv1alpha1.ConditionDegraded)
	if c == nil || c.Status != metav1.ConditionTrue || c.Reason != iapiv1alpha1.ReasonBudgetHeld || c.Message != want {
		t.Fatalf("Degraded %+v\nwant True/BudgetHeld: %s", c, want)
	}
	if st.Phase != iapiv1alpha1.PhaseProgressing || st.CanaryWeight != 0 {
		t.Errorf("held: phase %s weight %d", st.Phase, st.CanaryWeight)
	}
	s.wantDeployment(t, "stable", 4, false)
	s.wantDeployment(t, "canary", 0, false)
	s.waitEvent(t, corev1.EventTypeWarning, iapiv1alpha1.ReasonBudgetHeld, want)

	// Held past the progress deadline: a hold is not a failure, and is reported once.
	s.tick(time.Hour)
	s.converge(t)
	if st := s.get(t).Status; st.Phase != iapiv1alpha1.PhaseProgressing || meta.FindStatusCondition(st.Conditions, iapiv1alpha1.ConditionDegraded).Reason != iapiv1alpha1.ReasonBudgetHeld {
		t.Errorf("an hour later: phase %s conditions %+v", st.Phase, st.Conditions)
	}
	events, err := s.events()
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for _, ev := range events {
		if ev.Reason == iapiv1alpha1.ReasonBudgetHeld {
			held += max(int(ev.Count), 1)
		}
	}
	if held != 1 {
		t.Errorf("%d BudgetHeld events, want 1", held)
	}

	// A larger budget releases the step.
	s.patch(t, `{"spec":{"database":{"maxServerConnections":500}}}`)
	s.converge(t)
	st = s.get(t).Status
	if c := meta.FindStatusCondition(st.Conditions, iapiv1alpha1.ConditionDegraded); c == nil || c.Status != metav1.ConditionFalse {
		t.Errorf("released: Degraded %+v", c)
	}
	if st.CanaryWeight != 25 || st.StepStartTime == nil {
		t.Errorf("released: weight %d step start %v", st.CanaryWeight, st.StepStartTime)
	}
	s.wantDeployment(t, "canary", 1, false)
	s.wantDeployment(t, "stable", 3, false)
}

// testPluginControls steers a rollout with the kubectl plugin's commands, run in
// process as a user would run them, and checks that the operator acts on each once.
func testPluginControls(t *testing.T, e *envtest.Env, kubeconfig string) {
	s := newScenario(t, e, "controls", nil)
	plugin := func(args ...string) string {
		t.Helper()
		var out, errOut strings.Builder
		if code := pluginpkg.Run(context.Background(), append([]string{"--kubeconfig", kubeconfig, "-n", "controls"}, args...), &out, &errOut); code != 0 {
			t.Fatalf("kubectl interviewapi %s: exit %d: %s", strings.Join(args, " "), code, errOut.String())
		}
		return out.String()
	}
	noAnnotations := func() {
		t.Helper()
		for _, a := range []string{iapiv1alpha1.AnnotationPromote, iapiv1alpha1.AnnotationAbort, iapiv1alpha1.AnnotationRetry} {
			if v, ok := s.get(t).Annotations[a]; ok {
				t.Fatalf("the annotation %s=%q is still set after the pass that acted on it", a, v)
			}
		}
	}
	startRollout(t, s)
	asyncRev := s.get(t).Status.Canary.Revision

	// promote: the current step is skipped at once, without its analysis.
	plugin("promote", "interview")
	s.reconcile(t)
	noAnnotations()
	if st := s.get(t).Status; stepOf(st) != 1 || st.LastAnalysis != nil {
		t.Fatalf("after promote: step %d last analysis %+v, want step 2 without an analysis", stepOf(st), st.LastAnalysis)
	}
	s.waitEvent(t, corev1.EventTypeNormal, iapiv1alpha1.ReasonStepPromoted, "skipped with the "+iapiv1alpha1.AnnotationPromote+" annotation")
	s.converge(t)
	s.wantDeployment(t, "canary", 2, true)

	// pause and resume: time passes without analyses while paused.
	plugin("pause", "interview")
	s.converge(t)
	s.tick(3 * analysisInterval)
	s.converge(t)
	if st := s.get(t).Status; st.Phase != iapiv1alpha1.PhasePaused || stepOf(st) != 1 || st.LastAnalysis != nil {
		t.Fatalf("paused: phase %s step %d last analysis %+v", st.Phase, stepOf(st), st.LastAnalysis)
	}
	// Resumed, the step is analysed at once: its canary pods ran at the step's weight
	// all along, so the window since the step started is a full one, and it passes.
	plugin("resume", "interview")
	s.converge(t)
	if st := s.get(t).Status; st.Phase != iapiv1alpha1.PhaseProgressing || stepOf(st) != 2 || st.LastAnalysis == nil || st.LastAnalysis.Step != 1 {
		t.Fatalf("resumed: phase %s step %d last analysis %+v", st.Phase, stepOf(st), st.LastAnalysis)
	}

	// abort: the canary goes to 0 in the pass and its revision is held back.
	plugin("abort", "interview")
	s.reconcile(t)
	noAnnotations()
	s.wantDeployment(t, "canary", 0, true)
	st := s.get(t).Status
	if c := meta.FindStatusCondition(st.Conditions, iapiv1alpha1.ConditionRolledBack); st.FailedRevision != asyncRev || c == nil ||
		c.Status != metav1.ConditionTrue || c.Reason != iapiv1alpha1.ReasonAborted {
		t.Fatalf("aborted: failed revision %q RolledBack %+v", st.FailedRevision, c)
	}
	s.converge(t)
	s.wantNoCanary(t)

	// retry: the same revision starts again from the first step.
	plugin("retry", "interview")
	s.converge(t)
	noAnnotations()
	if st := s.get(t).Status; st.Canary == nil || st.Canary.Revision != asyncRev || stepOf(st) != 0 || st.FailedRevision != "" {
		t.Fatalf("retried: canary %+v step %d failed revision %q", st.Canary, stepOf(st), st.FailedRevision)
	}
	s.waitEvent(t, corev1.EventTypeNormal, iapiv1alpha1.ReasonRetried, asyncRev)

	// promote --full: stable at once.
	plugin("promote", "interview", "--full")
	s.converge(t)
	noAnnotations()
	s.wantDeployment(t, "stable", 4, true)
	s.wantNoCanary(t)

	// rollback: back to the previous revision that ran on the stable track, at once.
	plugin("rollback", "interview")
	s.reconcile(t)
	s.wantDeployment(t, "stable", 4, false)
	s.converge(t)
	st = s.get(t).Status
	want := []string{iapiv1alpha1.OutcomeInitial, iapiv1alpha1.OutcomeAborted, iapiv1alpha1.OutcomePromoted, iapiv1alpha1.OutcomeFastRollback}
	if got := historyOutcomes(st); !slices.Equal(got, want) || st.Phase != iapiv1alpha1.PhaseHealthy {
		t.Errorf("history %v phase %s, want %v and Healthy", got, st.Phase, want)
	}
	if out := plugin("history", "interview"); !containsAll(out, want) {
		t.Errorf("kubectl interviewapi history:\n%s", out)
	}
	if out := plugin("status", "interview"); !strings.Contains(out, "Healthy") {
		t.Errorf("kubectl interviewapi status:\n%s", out)
	}
}
