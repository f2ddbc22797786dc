package controllers_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/controllers"
	"github.com/interviewapi/operator/test/envtest"
)

// t0 is when every scenario's clock starts.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// analysisInterval is the scenarios' analysis interval, the CRD's minimum. Their
// steps have no pause, so each step is one interval long.
const analysisInterval = 5 * time.Second

// scenario is one InterviewAPI in a namespace of its own with an operator of its
// own: a fake clock the test moves, a fake metric source the test controls, and a
// fake kubelet that brings the Deployments to their specs. The operator is driven:
// the test plays the work queue, so each step below is one known reconcile pass.
type scenario struct {
	e       *envtest.Env
	key     types.NamespacedName
	clock   *clocktesting.FakeClock
	source  *fakeSource
	kubelet *kubelet
	op      *operator
	// opts are the scenario's own options of its operator.
	opts []operatorOption
	// compare, when set, measures the pods instead of source: pods that report
	// counts, for the Compare judge.
	compare *compareSource
}

// newScenario creates the namespace, its operator and the instance (the sample with 4
// replicas and fast steps, changed by mutate), and runs it to its healthy first
// revision.
func newScenario(t *testing.T, e *envtest.Env, ns string, mutate func(*iapiv1alpha1.InterviewAPI)) *scenario {
	t.Helper()
	return newScenarioWith(t, e, ns, nil, mutate)
}

// newScenarioWith is newScenario with the pods measured by compare when it is not nil
// (the instance then runs the Compare judge unless mutate says otherwise) and more
// options for its operator.
func newScenarioWith(t *testing.T, e *envtest.Env, ns string, compare *compareSource, mutate func(*iapiv1alpha1.InterviewAPI), opts ...operatorOption) *scenario {
	t.Helper()
	createNamespace(t, e, ns)
	c := clocktesting.NewFakeClock(t0)
	s := &scenario{e: e, clock: c, kubelet: newKubelet(t, e, ns), opts: opts, compare: compare}
	if compare != nil {
		compare.clock = c
	}
	s.startOperator(t)

	in := createFastInstance(t, e, ns, func(in *iapiv1alpha1.InterviewAPI) {
		if compare != nil {
			in.Spec.Rollout.Analysis.Judge = iapiv1alpha1.JudgeCompare
		}
		if mutate != nil {
			mutate(in)
		}
	})
	s.key = client.ObjectKeyFromObject(in)
	s.converge(t)
	if got := s.get(t); got.Status.Phase != iapiv1alpha1.PhaseHealthy {
		t.Fatalf("the first revision: phase %s, want Healthy", got.Status.Phase)
	}
	return s
}

// startOperator starts an operator for the scenario's namespace with a fresh metric
// source (a restarted operator remembers nothing but what is in the API server).
func (s *scenario) startOperator(t *testing.T) {
	t.Helper()
	s.source = newFakeSource(s.clock, "async")
	var src controllers.MetricSources = s.source
	if s.compare != nil {
		src = s.compare
	}
	s.op = startOperator(t, s.e, append([]operatorOption{inNamespaces(s.kubelet.ns), withClock(s.clock), withSources(src), driven()}, s.opts...)...)
}

// restart stops the operator and starts a new one.
func (s *scenario) restart(t *testing.T) {
	t.Helper()
	s.op.stop()
	s.startOperator(t)
}

// tick moves the operator's clock.
func (s *scenario) tick(d time.Duration) { s.clock.Step(d) }

// reconcile runs one pass on an up-to-date cache, as the work queue would after the
// watches delivered everything written so far.
func (s *scenario) reconcile(t *testing.T) ctrl.Result {
	t.Helper()
	s.syncCache(t)
	res, err := s.op.reconciler.Reconcile(context.Background(), ctrl.Request{NamespacedName: s.key})
	if err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	return res
}

// converge reconciles and lets the kubelet act until neither changes anything; it
// returns the last pass's result.
func (s *scenario) converge(t *testing.T) ctrl.Result {
	t.Helper()
	for range 40 {
		before := s.versions(t)
		res := s.reconcile(t)
		settled := s.kubelet.settle(t)
		if !settled && maps.Equal(before, s.versions(t)) {
			return res
		}
	}
	t.Fatalf("no steady state after 40 passes: status %+v", s.get(t).Status)
	return ctrl.Result{}
}

// versions are the resource versions of the instance and its Deployments.
func (s *scenario) versions(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, obj := range s.objects() {
		if err := s.e.Client.Get(context.Background(), types.NamespacedName{Namespace: s.key.Namespace, Name: name}, obj); err == nil {
			out[name] = obj.GetResourceVersion()
		} else if !apierrors.IsNotFound(err) {
			t.Fatal(err)
		}
	}
	return out
}

func (s *scenario) objects() map[string]client.Object {
	return map[string]client.Object{
		s.key.Name:             &iapiv1alpha1.InterviewAPI{},
		s.key.Name + "-stable": &appsv1.Deployment{},
		s.key.Name + "-canary": &appsv1.Deployment{},
	}
}

// syncCache waits until the operator's cache holds the instance and its Deployments
// as the API server has them.
func (s *scenario) syncCache(t *testing.T) {
	t.Helper()
	want := s.versions(t)
	deadline := time.Now().Add(waitTimeout)
	for {
		got := map[string]string{}
		for name, obj := range s.objects() {
			if err := s.op.client.Get(context.Background(), types.NamespacedName{Namespace: s.key.Namespace, Name: name}, obj); err == nil {
				got[name] = obj.GetResourceVersion()
			}
		}
		if maps.Equal(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the operator's cache has %v, the API server %v", got, want)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// patch merge-patches the instance as `kubectl patch --type merge` does.
func (s *scenario) patch(t *testing.T, patch string) {
	t.Helper()
	obj := &iapiv1alpha1.InterviewAPI{ObjectMeta: metav1.ObjectMeta{Namespace: s.key.Namespace, Name: s.key.Name}}
	if err := s.e.Client.Patch(context.Background(), obj, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		t.Fatalf("patch %s: %v", patch, err)
	}
}

// get reads the instance from the API server.
func (s *scenario) get(t *testing.T) *iapiv1alpha1.InterviewAPI {
	t.Helper()
	in := &iapiv1alpha1.InterviewAPI{}
	if err := s.e.Client.Get(context.Background(), s.key, in); err != nil {
		t.Fatal(err)
	}
	return in
}

// deployment reads a Deployment of the instance ("stable" or "canary"), nil when absent.
func (s *scenario) deployment(t *testing.T, track string) *appsv1.Deployment {
	t.Helper()
	d := &appsv1.Deployment{}
	err := s.e.Client.Get(context.Background(), types.NamespacedName{Namespace: s.key.Namespace, Name: s.key.Name + "-" + track}, d)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// wantDeployment checks a Deployment's replicas and database mode.
func (s *scenario) wantDeployment(t *testing.T, track string, replicas int32, async bool) *appsv1.Deployment {
	t.Helper()
	d := s.deployment(t, track)
	if d == nil {
		t.Fatalf("no %s Deployment", track)
	}
	if got, mode := ptr.Deref(d.Spec.Replicas, -1), envOf(d)["ASYNC_DATABASE_ENABLED"]; got != replicas || mode != fmt.Sprint(async) {
		t.Fatalf("%s Deployment: %d replicas with ASYNC_DATABASE_ENABLED=%s, want %d with %v", track, got, mode, replicas, async)
	}
	return d
}

// wantNoCanary checks that the canary Deployment is gone.
func (s *scenario) wantNoCanary(t *testing.T) {
	t.Helper()
	if d := s.deployment(t, "canary"); d != nil && d.DeletionTimestamp.IsZero() {
		t.Fatalf("the canary Deployment is still there with %d replicas", ptr.Deref(d.Spec.Replicas, -1))
	}
}

// waitEvent waits for an Event on the instance with the type and reason whose message
// holds every one of parts.
func (s *scenario) waitEvent(t *testing.T, typ, reason string, parts ...string) corev1.Event {
	t.Helper()
	var found corev1.Event
	eventually(t, typ+" Event "+reason, func() error {
		events, err := s.events()
		if err != nil {
			return err
		}
		var others []string
		for _, ev := range events {
			if ev.Type != typ || ev.Reason != reason {
				continue
			}
			if containsAll(ev.Message, parts) {
				found = ev
				return nil
			}
			others = append(others, ev.Message)
		}
		return fmt.Errorf("none with %q among %d events; messages of that reason: %q", parts, len(events), others)
	})
	return found
}

// events lists the Events on the instance.
func (s *scenario) events() ([]corev1.Event, error) {
	var list corev1.EventList
	if err := s.e.Client.List(context.Background(), &list, client.InNamespace(s.key.Namespace)); err != nil {
		return nil, err
	}
	var out []corev1.Event
	for _, ev := range list.Items {
		if ev.InvolvedObject.Kind == "InterviewAPI" && ev.InvolvedObject.Name == s.key.Name {
			out = append(out, ev)
		}
	}
	return out, nil
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// metric is the value of one of the operator's series (a histogram's sample count),
// selected by the labels given as name, value pairs besides the instance's.
func (s *scenario) metric(t *testing.T, name string, labelPairs ...string) float64 {
	t.Helper()
	want := map[string]string{"namespace": s.key.Namespace, "name": s.key.Name}
	for i := 0; i+1 < len(labelPairs); i += 2 {
		want[labelPairs[i]] = labelPairs[i+1]
	}
	return gatherValue(t, s.op.metrics, name, want)
}

func gatherValue(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	v, ok := lookupValue(t, reg, name, want)
	if !ok {
		t.Fatalf("no series %s%v", name, want)
	}
	return v
}

// lookupValue is the value of the series of name with exactly the labels want, and
// whether there is one.
func lookupValue(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) (float64, bool) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if !maps.Equal(labels, want) {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue(), true
			case m.Gauge != nil:
				return m.GetGauge().GetValue(), true
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount()), true
			}
		}
	}
	return 0, false
}

// historyOutcomes are the outcomes of the status history, oldest first.
func historyOutcomes(s iapiv1alpha1.InterviewAPIStatus) []string {
	var out []string
	for _, h := range s.History {
		out = append(out, h.Outcome)
	}
	return out
}

// createFastInstance creates the sample in ns with 4 replicas and fast steps (25 %,
// 50 %, 100 %, one analysisInterval each), changed by mutate.
func createFastInstance(t *testing.T, e *envtest.Env, ns string, mutate func(*iapiv1alpha1.InterviewAPI)) *iapiv1alpha1.InterviewAPI {
	t.Helper()
	in := sampleInstance(t)
	in.Namespace = ns
	in.Spec.Replicas = ptr.To[int32](4)
	in.Spec.Database.MaxServerConnections = nil
	in.Spec.Rollout.Steps = []iapiv1alpha1.RolloutStep{{Weight: 25}, {Weight: 50}, {Weight: 100}}
	in.Spec.Rollout.Analysis.Interval = &metav1.Duration{Duration: analysisInterval}
	// The scenarios drive the rollout machinery (steps, failures, deadlines, restarts,
	// the budget, the controls) with fakeSource, whose pods report measures, not the
	// counts the Compare judge compares: they run the Threshold judge, whose verdicts
	// on those measures they assert. compare_scenario_test.go runs the Compare judge.
	in.Spec.Rollout.Analysis.Judge = iapiv1alpha1.JudgeThreshold
	if mutate != nil {
		mutate(in)
	}
	if err := e.Client.Create(context.Background(), in); err != nil {
		t.Fatalf("create the instance: %v", err)
	}
	return in
}
