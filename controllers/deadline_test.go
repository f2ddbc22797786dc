package controllers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/controllers"
	"github.com/interviewapi/operator/internal/poolhealth"
	"github.com/interviewapi/operator/test/envtest"
	"github.com/interviewapi/operator/test/hang"
)

// forever is a deadline no test reaches: with it, only the interruption of an
// analysis by a change of its instance can free a pass held by a hung source.
const forever = time.Hour

// wayBackBound is a generous bound on the patch → write figures below, whose goal
// is under a second (docs/benchmarks.md has the measured figures): what the tests
// prove is that the write comes at all while the source is hung for an hour; the
// bound only catches a pass that waited for something else on the way.
const wayBackBound = 5 * time.Second

// TestHungMetricSources runs the operator as in a cluster (watches, work queue, the
// RBAC of config/default) with metric sources that accept connections and never
// answer. The deadlines are set to an hour where a test checks that the way back
// does not wait for them: the patch back reaches the Deployments only because a
// change of the instance interrupts its analysis.
func TestHungMetricSources(t *testing.T) {
	t.Parallel()
	e := startWithOperatorRBAC(t)

	t.Run("a hung Prometheus does not delay the patch back to a promoted revision", func(t *testing.T) { testHungPrometheus(t, e) })
	t.Run("a hung scrape does not delay a pause or an abort", func(t *testing.T) { testHungScrape(t, e) })
	t.Run("an analysis not answered within its deadline is inconclusive", func(t *testing.T) { testAnalysisDeadline(t, e) })
	t.Run("a Prometheus address the operator does not allow is refused before any request", func(t *testing.T) { testPrometheusRefused(t, e) })
}

// hungCase is one instance in a namespace of its own, its operator (not driven: its
// controller runs) on a fake clock, and a fake kubelet running the pods.
type hungCase struct {
	e     *envtest.Env
	in    *iapiv1alpha1.InterviewAPI
	clock *clocktesting.FakeClock
	op    *operator
}

func newHungCase(t *testing.T, e *envtest.Env, ns string, clk *clocktesting.FakeClock, sources controllers.MetricSources,
	reconcileTimeout, analysisTimeout time.Duration, mutate func(*iapiv1alpha1.InterviewAPI)) *hungCase {
	t.Helper()
	createNamespace(t, e, ns)
	op := startOperator(t, e, inNamespaces(ns), withClock(clk), withSources(sources), withTimeouts(reconcileTimeout, analysisTimeout))
	k := newKubelet(t, e, ns)
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go k.run(ctx, 20*time.Millisecond, errs)
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-errs:
			t.Errorf("fake kubelet: %v", err)
		default:
		}
	})

	// createFastInstance sets the Threshold judge: the cases assert its schedule (the
	// step's first analysis, a baseline scrape, is due and recorded when it times out as
	// soon as the canary pod is ready); a Compare sample that times out records nothing.
	c := &hungCase{e: e, in: createFastInstance(t, e, ns, mutate), clock: clk, op: op}
	c.waitSettled(t, false)
	return c
}

func (c *hungCase) waitSettled(t *testing.T, async bool) {
	t.Helper()
	waitForStatus(t, c.e, c.in, func(s iapiv1alpha1.InterviewAPIStatus) error {
		if s.Phase != iapiv1alpha1.PhaseHealthy || s.Stable == nil || s.Stable.Async != async || s.Canary != nil || s.ReadyReplicas != 4 {
			return fmt.Errorf("phase %s stable %+v canary %+v ready %d, want healthy on async=%v", s.Phase, s.Stable, s.Canary, s.ReadyReplicas, async)
		}
		return nil
	})
}

// waitCanaryStep waits for the canary's first step to have started.
func (c *hungCase) waitCanaryStep(t *testing.T) {
	t.Helper()
	waitForStatus(t, c.e, c.in, func(s iapiv1alpha1.InterviewAPIStatus) error {
		if s.Canary == nil || s.StepStartTime == nil {
			return fmt.Errorf("canary %+v step started %v", s.Canary, s.StepStartTime)
		}
		return nil
	})
}

// waitAccept waits until the hung source has accepted the connection of an analysis.
func waitAccept(t *testing.T, accepted <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-accepted:
	case <-time.After(waitTimeout):
		t.Fatalf("%s: no analysis connected within %s", what, waitTimeout)
	}
}

// patchAndWaitWrite patches the instance and waits for the operator's first write to
// the Deployment answered after the patch was sent that passes check; it returns how
// long that took.
func (c *hungCase) patchAndWaitWrite(t *testing.T, patch, deployment string, check func(*appsv1.Deployment) error) time.Duration {
	t.Helper()
	start := time.Now()
	patchInstance(t, c.e, c.in, patch)
	var written time.Time
	eventually(t, "a write to Deployment "+deployment+" after "+patch, func() error {
		at, ok := c.op.writes.firstAfter(start, "/deployments/"+deployment)
		if !ok {
			return fmt.Errorf("no write yet")
		}
		d := &appsv1.Deployment{}
		if err := c.e.Client.Get(context.Background(), types.NamespacedName{Namespace: c.in.Namespace, Name: deployment}, d); err != nil {
			return err
		}
		if err := check(d); err != nil {
			return err
		}
		written = at
		return nil
	})
	return written.Sub(start)
}

func testHungPrometheus(t *testing.T, e *envtest.Env) {
	srv := hang.Listen(t)
	clk := clocktesting.NewFakeClock(t0)
	sources := controllers.NewPoolHealthSources(
		poolhealth.NewScrapeSource(poolhealth.WithHTTPClient(srv.Client()), poolhealth.WithClock(clk.Now)),
		poolhealth.WithPrometheusHTTPClient(srv.Client()), poolhealth.WithMinRange(time.Second), poolhealth.WithPrometheusClock(clk.Now))
	c := newHungCase(t, e, "hung-prometheus", clk, sources, forever, forever, func(in *iapiv1alpha1.InterviewAPI) {
		in.Spec.Rollout.Analysis.Prometheus = &iapiv1alpha1.PrometheusSpec{Address: "http://prometheus.monitoring.svc:9090"}
	})
	syncPool := c.in.Spec.Database.Pool.Size

	// Async promoted at once (no analysis), so that the first revision, sync, is a
	// fast-rollback target; then a pool change starts a canary whose analysis hangs.
	patchInstance(t, e, c.in, `{"metadata":{"annotations":{"apps.interviewapi.io/promote":"full"}},"spec":{"database":{"async":{"enabled":true}}}}`)
	c.waitSettled(t, true)
	patchInstance(t, e, c.in, fmt.Sprintf(`{"spec":{"database":{"pool":{"size":%d}}}}`, syncPool+1))
	c.waitCanaryStep(t)
	accepted := srv.NextAccept()
	// The window of the step is complete on the operator's clock; the annotation
	// makes it look now rather than at its requeue.
	clk.Step(analysisInterval)
	patchInstance(t, e, c.in, `{"metadata":{"annotations":{"test.interviewapi.io/tick":"1"}}}`)
	waitAccept(t, accepted, "Prometheus")

	took := c.patchAndWaitWrite(t, fmt.Sprintf(`{"spec":{"database":{"async":{"enabled":false},"pool":{"size":%d}}}}`, syncPool),
		c.in.StableName(), func(d *appsv1.Deployment) error {
			if got := envOf(d)["ASYNC_DATABASE_ENABLED"]; got != "false" {
				return fmt.Errorf("ASYNC_DATABASE_ENABLED=%s", got)
			}
			return nil
		})
	t.Logf("FIGURE hung Prometheus: patch back to sync → stable Deployment written in %s", took)
	if took > wayBackBound {
		t.Errorf("the patch back took %s to reach the stable Deployment, want well under %s", took, wayBackBound)
	}
	st := waitForStatus(t, e, c.in, func(s iapiv1alpha1.InterviewAPIStatus) error {
		if got := historyOutcomes(s); !slices.Contains(got, iapiv1alpha1.OutcomeFastRollback) {
			return fmt.Errorf("history %v, want a FastRollback", got)
		}
		return nil
	})
	// The interrupted analysis recorded nothing: no verdict came from it.
	if st.LastAnalysis != nil {
		t.Errorf("last analysis %+v recorded from a source that never answered", st.LastAnalysis)
	}
}

func testHungScrape(t *testing.T, e *envtest.Env) {
	srv := hang.Listen(t)
	clk := clocktesting.NewFakeClock(t0)
	sources := controllers.NewPoolHealthSources(poolhealth.NewScrapeSource(
		poolhealth.WithHTTPClient(srv.Client()), poolhealth.WithScrapeTimeout(forever), poolhealth.WithClock(clk.Now)))
	c := newHungCase(t, e, "hung-scrape", clk, sources, forever, forever, nil)

	// The step's first analysis (the baseline scrape) is due as soon as the canary
	// pod is ready, and hangs.
	accepted := srv.NextAccept()
	patchInstance(t, e, c.in, enableAsync)
	waitAccept(t, accepted, "scrape")

	accepted = srv.NextAccept()
	start := time.Now()
	patchInstance(t, e, c.in, `{"spec":{"paused":true}}`)
	st := waitForStatus(t, e, c.in, func(s iapiv1alpha1.InterviewAPIStatus) error {
		if s.Phase != iapiv1alpha1.PhasePaused {
			return fmt.Errorf("phase %s, want Paused", s.Phase)
		}
		return nil
	})
	t.Logf("FIGURE hung scrape: pause recorded within %s", time.Since(start))
	if st.Canary == nil {
		t.Fatal("paused without a canary")
	}
	select {
	case <-accepted:
		t.Error("a paused rollout was analysed")
	default:
	}

	took := c.patchAndWaitWrite(t, `{"spec":{"paused":false,"database":{"async":{"enabled":false}}}}`, c.in.CanaryName(),
		func(d *appsv1.Deployment) error {
			if n := ptr.Deref(d.Spec.Replicas, -1); n != 0 {
				return fmt.Errorf("canary at %d replicas", n)
			}
			return nil
		})
	t.Logf("FIGURE hung scrape: abort by patch → canary at 0 in %s", took)
	if took > wayBackBound {
		t.Errorf("the abort took %s to reach the canary Deployment, want well under %s", took, wayBackBound)
	}
	waitForStatus(t, e, c.in, func(s iapiv1alpha1.InterviewAPIStatus) error {
		if got := historyOutcomes(s); !slices.Contains(got, iapiv1alpha1.OutcomeAborted) {
			return fmt.Errorf("history %v, want Aborted", got)
		}
		return nil
	})
}

func testAnalysisDeadline(t *testing.T, e *envtest.Env) {
	srv := hang.Listen(t)
	clk := clocktesting.NewFakeClock(t0)
	sources := controllers.NewPoolHealthSources(poolhealth.NewScrapeSource(
		poolhealth.WithHTTPClient(srv.Client()), poolhealth.WithScrapeTimeout(forever), poolhealth.WithClock(clk.Now)))
	const deadline = 300 * time.Millisecond
	c := newHungCase(t, e, "analysis-deadline", clk, sources, forever, deadline, nil)

	patchInstance(t, e, c.in, enableAsync)
	st := waitForStatus(t, e, c.in, func(s iapiv1alpha1.InterviewAPIStatus) error {
		if s.LastAnalysis == nil {
			return fmt.Errorf("no analysis recorded")
		}
		return nil
	})
	a := st.LastAnalysis
	if a.Verdict != iapiv1alpha1.VerdictInconclusive || !strings.Contains(a.Message, "did not answer within 300ms (--analysis-timeout)") {
		t.Errorf("last analysis %s %q, want Inconclusive naming the analysis deadline", a.Verdict, a.Message)
	}
	if st.Phase != iapiv1alpha1.PhaseProgressing || st.Canary == nil {
		t.Errorf("after an inconclusive analysis: phase %s canary %+v, want the rollout still progressing", st.Phase, st.Canary)
	}
}

func testPrometheusRefused(t *testing.T, e *envtest.Env) {
	// Every request the sources could send would reach srv, whatever its address.
	srv := hang.Listen(t)
	clk := clocktesting.NewFakeClock(t0)
	sources := controllers.NewPoolHealthSources(
		poolhealth.NewScrapeSource(poolhealth.WithHTTPClient(srv.Client()), poolhealth.WithClock(clk.Now)),
		poolhealth.WithPrometheusHTTPClient(srv.Client()), poolhealth.WithMinRange(time.Second), poolhealth.WithPrometheusClock(clk.Now))
	const metadata = "http://169.254.169.254/latest/meta-data/"
	c := newHungCase(t, e, "prometheus-refused", clk, sources, forever, forever, func(in *iapiv1alpha1.InterviewAPI) {
		in.Spec.Rollout.Analysis.Prometheus = &iapiv1alpha1.PrometheusSpec{Address: metadata}
	})

	patchInstance(t, e, c.in, enableAsync)
	clk.Step(analysisInterval)
	st := waitForStatus(t, e, c.in, func(s iapiv1alpha1.InterviewAPIStatus) error {
		cond := meta.FindStatusCondition(s.Conditions, iapiv1alpha1.ConditionDegraded)
		if cond == nil || cond.Status != metav1.ConditionTrue || cond.Reason != iapiv1alpha1.ReasonPrometheusNotAllowed {
			return fmt.Errorf("Degraded %+v, want True with reason %s", cond, iapiv1alpha1.ReasonPrometheusNotAllowed)
		}
		return nil
	})
	cond := meta.FindStatusCondition(st.Conditions, iapiv1alpha1.ConditionDegraded)
	for _, part := range []string{metadata, "link-local", "--allowed-prometheus-urls", "allowedPrometheusURLs"} {
		if !strings.Contains(cond.Message, part) {
			t.Errorf("Degraded message %q does not say %q", cond.Message, part)
		}
	}
	(&scenario{e: e, key: client.ObjectKeyFromObject(c.in)}).waitEvent(t, corev1.EventTypeWarning,
		iapiv1alpha1.ReasonPrometheusNotAllowed, "--allowed-prometheus-urls")
	if n := srv.Accepted(); n != 0 {
		t.Errorf("%d connections were opened for a refused address", n)
	}
	if st.LastAnalysis != nil {
		t.Errorf("an analysis %+v was recorded for a refused address", st.LastAnalysis)
	}

	// The way back does not need the analysis.
	c.patchAndWaitWrite(t, disableAsync, c.in.CanaryName(), func(d *appsv1.Deployment) error {
		if n := ptr.Deref(d.Spec.Replicas, -1); n != 0 {
			return fmt.Errorf("canary at %d replicas", n)
		}
		return nil
	})
}
