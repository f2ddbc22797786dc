package controllers_test

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/envtest"
)

// TestCompareJudge runs rollouts judged by the Compare judge against a real API
// server, with pods whose counters the test scripts second by second.
func TestCompareJudge(t *testing.T) {
	t.Parallel()
	e := startWithOperatorRBAC(t)
	t.Run("a starving canary is rolled back within seconds, before the first analysis", func(t *testing.T) { testCompareFailsEarly(t, e) })
	t.Run("a fault shared with the stable pods is inconclusive, and the rollout resumes after it", func(t *testing.T) { testCompareSharedFault(t, e) })
	t.Run("a canary answering 5xx without touching its pool is judged on its errors", func(t *testing.T) { testCompareErrorsWithoutAcquires(t, e) })
	t.Run("a dry-run check is recorded and not acted on", func(t *testing.T) { testCompareDryRun(t, e) })
}

// steady is a load that does not change over the step.
func steady(l podLoad) func(time.Duration) podLoad { return func(time.Duration) podLoad { return l } }

// runSeconds moves the clock a second at a time, reconciling after each, until done
// says so or limit seconds have passed; it returns the seconds it ran.
func (s *scenario) runSeconds(t *testing.T, limit int, done func(*iapiv1alpha1.InterviewAPI) bool) int {
	t.Helper()
	for sec := 1; sec <= limit; sec++ {
		s.tick(time.Second)
		s.converge(t)
		if done(s.get(t)) {
			return sec
		}
	}
	t.Fatalf("not done after %d seconds: status %+v", limit, s.get(t).Status)
	return limit
}

func rolledBack(in *iapiv1alpha1.InterviewAPI) bool {
	return in.Status.Phase == iapiv1alpha1.PhaseRolledBack
}

func promoted(in *iapiv1alpha1.InterviewAPI) bool {
	return in.Status.Canary == nil && in.Status.Stable != nil && in.Status.Stable.Async
}

// compareInterval is the analysis interval of the Compare scenarios: long enough that
// an early failure is plainly before it.
const compareInterval = 10 * time.Second

func withCompareInterval(in *iapiv1alpha1.InterviewAPI) {
	in.Spec.Rollout.Analysis.Interval = &metav1.Duration{Duration: compareInterval}
}

func testCompareFailsEarly(t *testing.T, e *envtest.Env) {
	src := &compareSource{canary: steady(starvingPod), stable: steady(healthyPod)}
	s := newScenarioWith(t, e, "compare-early", src, withCompareInterval)
	startRollout(t, s)
	took := s.runSeconds(t, 9, rolledBack)
	in := s.get(t)
	t.Logf("rolled back %ds after the step started: %s", took, in.Status.LastAnalysis.Message)
	a := in.Status.LastAnalysis
	if a == nil || a.Verdict != iapiv1alpha1.VerdictFail || !a.Early || a.Judge != iapiv1alpha1.JudgeCompare {
		t.Fatalf("last analysis %+v, want an early Compare failure", a)
	}
	if took > 3 {
		t.Errorf("rolled back %ds after the step started, want at most 3 (interval %s)", took, compareInterval)
	}
	if !strings.Contains(a.Message, "worse than the stable pods'") {
		t.Errorf("message %q does not say the canary is worse than the stable pods", a.Message)
	}
	if d := s.deployment(t, "canary"); d != nil && d.Spec.Replicas != nil && *d.Spec.Replicas != 0 {
		t.Errorf("the canary Deployment still has %d replicas", *d.Spec.Replicas)
	}
	cond := in.Condition(iapiv1alpha1.ConditionRolledBack)
	if cond == nil || cond.Reason != iapiv1alpha1.ReasonAnalysisFailed {
		t.Fatalf("RolledBack condition %+v", cond)
	}
	failing := 0
	for _, m := range a.Metrics {
		if m.Verdict == iapiv1alpha1.VerdictFail {
			failing++
			if m.Stable == "" || m.Effect == "" || m.PValue == "" || m.CanarySamples == 0 || m.StableSamples == 0 || !strings.Contains(cond.Message, m.Value) {
				t.Errorf("failing metric %+v lacks its comparison, or the condition %q its value", m, cond.Message)
			}
		}
	}
	if failing == 0 || len(in.Status.Analyses) != 1 {
		t.Errorf("%d failing metrics, %d analyses kept", failing, len(in.Status.Analyses))
	}
	if n := s.metric(t, "interviewapi_rollout_analysis_early_failures_total"); n != 1 {
		t.Errorf("early failures counted %v, want 1", n)
	}
	s.waitEvent(t, corev1.EventTypeWarning, iapiv1alpha1.ReasonRolledBack, "worse than the stable pods'")
}

func testCompareSharedFault(t *testing.T, e *envtest.Env) {
	// The database fails for every pod from the 3rd to the 8th second of the first
	// step (which starts at t0).
	fault := func(at time.Duration) podLoad {
		if at >= 3*time.Second && at < 8*time.Second {
			return outagePod
		}
		return healthyPod
	}
	src := &compareSource{canary: fault, stable: fault}
	s := newScenarioWith(t, e, "compare-shared", src, func(in *iapiv1alpha1.InterviewAPI) {
		withCompareInterval(in)
		// The judge waits a pool timeout after the fault for the acquires it held up:
		// a short one keeps that inside one analysis.
		in.Spec.Database.Pool.Timeout = &metav1.Duration{Duration: 5 * time.Second}
	})
	startRollout(t, s)
	var verdicts []string
	seen := map[time.Time]bool{}
	s.runSeconds(t, 60, func(in *iapiv1alpha1.InterviewAPI) bool {
		if rolledBack(in) {
			t.Fatalf("rolled back on a shared fault: %+v", in.Status.LastAnalysis)
		}
		if a := in.Status.LastAnalysis; a != nil && !seen[a.Time.Time] {
			seen[a.Time.Time] = true
			verdicts = append(verdicts, a.Verdict+": "+a.Message)
		}
		return promoted(in)
	})
	t.Logf("analyses:\n%s", strings.Join(verdicts, "\n"))
	if len(verdicts) == 0 || !strings.HasPrefix(verdicts[0], iapiv1alpha1.VerdictInconclusive+": stable pods degraded alike: ") {
		t.Fatalf("analyses %q, want the first inconclusive for the shared fault", verdicts)
	}
	for _, v := range verdicts[1:] {
		if !strings.HasPrefix(v, iapiv1alpha1.VerdictPass) {
			t.Errorf("after the fault: %q, want passes", v)
		}
	}
	if n := s.metric(t, "interviewapi_rollout_analysis_shared_faults_total"); n != 1 {
		t.Errorf("shared faults counted %v, want 1", n)
	}
	s.waitEvent(t, corev1.EventTypeNormal, iapiv1alpha1.ReasonAnalysisInconclusive, "stable pods degraded alike")
}

func testCompareErrorsWithoutAcquires(t *testing.T, e *envtest.Env) {
	broken := podLoad{requests: 40, errors: 0.5}
	src := &compareSource{canary: steady(broken), stable: steady(healthyPod)}
	s := newScenarioWith(t, e, "compare-5xx", src, withCompareInterval)
	startRollout(t, s)
	s.runSeconds(t, int(compareInterval/time.Second)+1, rolledBack)
	a := s.get(t).Status.LastAnalysis
	for _, m := range a.Metrics {
		if m.Name == "errorRatio" && m.Verdict == iapiv1alpha1.VerdictFail && m.CanarySamples > 0 {
			if !strings.Contains(a.Message, "errorRatio") {
				t.Errorf("message %q does not name errorRatio", a.Message)
			}
			return
		}
	}
	t.Fatalf("rolled back without errorRatio failing: %+v", a)
}

func testCompareDryRun(t *testing.T, e *envtest.Env) {
	flaky := healthyPod
	flaky.errors = 0.1
	src := &compareSource{canary: steady(flaky), stable: steady(healthyPod)}
	s := newScenarioWith(t, e, "compare-dryrun", src, func(in *iapiv1alpha1.InterviewAPI) {
		withCompareInterval(in)
		in.Spec.Rollout.Analysis.DryRun = []iapiv1alpha1.CheckName{"errorRatio"}
	})
	startRollout(t, s)
	s.runSeconds(t, 60, func(in *iapiv1alpha1.InterviewAPI) bool {
		if rolledBack(in) {
			t.Fatalf("a dry-run check rolled back: %+v", in.Status.LastAnalysis)
		}
		return promoted(in)
	})
	in := s.get(t)
	found := false
	for _, a := range in.Status.Analyses {
		for _, m := range a.Metrics {
			found = found || (m.Name == "errorRatio" && m.DryRun && m.Verdict == iapiv1alpha1.VerdictFail)
		}
	}
	if !found {
		t.Errorf("no analysis recorded errorRatio as a dry-run failure: %+v", in.Status.Analyses)
	}
	if n := s.metric(t, "interviewapi_rollout_analysis_checks_total", "judge", "Compare", "check", "errorRatio", "verdict", "Fail", "dry_run", "true"); n == 0 {
		t.Error("the dry-run failures were not counted")
	}
	s.waitEvent(t, corev1.EventTypeNormal, iapiv1alpha1.ReasonDryRunFailed, "errorRatio")
}
