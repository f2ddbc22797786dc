package controllers_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/advice"
	"github.com/interviewapi/operator/test/envtest"
)

// TestRequests pins the API requests the reconciler sends for one instance: a cold
// start of the operator over a thousand instances sends a thousand times these
// (docs/benchmarks.md, "Operator at scale"), so each one more is a thousand more.
func TestRequests(t *testing.T) {
	t.Parallel()
	e := startWithOperatorRBAC(t)
	t.Run("a new instance, until Healthy", func(t *testing.T) { testNewInstanceRequests(t, e) })
	t.Run("the samples of a step list no pods", func(t *testing.T) { testSampleRequests(t, e) })
}

// requestCounts counts the recorded requests the reconciler sent for objects of
// namespace ns, by method and path (query left out); the informers' lists and watches
// (their requests carry a resourceVersion) are not counted.
func (l *requestLog) requestCounts(ns string) map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for _, r := range l.requests {
		line, query, _ := strings.Cut(r, "?")
		if !strings.Contains(line, "/namespaces/"+ns+"/") || strings.Contains(query, "resourceVersion=") || strings.Contains(query, "watch=") {
			continue
		}
		out[line]++
	}
	return out
}

func testNewInstanceRequests(t *testing.T, e *envtest.Env) {
	const ns = "requests-new"
	requests := &requestLog{}
	s := newScenarioWith(t, e, ns, nil, nil, withRequestLog(requests), withAdviceInterval(advice.MinWindow))
	s.op.writes.waitQuiet(t, 500*time.Millisecond)
	name := s.key.Name
	apps, core, policy := "/apis/apps/v1/namespaces/"+ns, "/api/v1/namespaces/"+ns, "/apis/policy/v1/namespaces/"+ns
	want := map[string]int{
		// The first pass: each child is missing from the cache, so it is looked up
		// once on the API server (an unlabelled object of its name is someone
		// else's), then applied; the decision's status is written first.
		"GET " + apps + "/deployments/" + name + "-stable":                                                1,
		"GET " + core + "/services/" + name:                                                               1,
		"GET " + policy + "/poddisruptionbudgets/" + name:                                                 1,
		"PATCH " + apps + "/deployments/" + name + "-stable":                                              1,
		"PATCH " + core + "/services/" + name:                                                             1,
		"PATCH " + policy + "/poddisruptionbudgets/" + name:                                               1,
		"PUT /apis/apps.interviewapi.io/v1alpha1/namespaces/" + ns + "/interviewapis/" + name + "/status": 2,
		// The pass that sees the pods ready writes Healthy; it lists the pods once,
		// for the pool advice's first sample (the first pass, with no pod ready,
		// lists none).
		"GET " + core + "/pods": 1,
		// InitialRevision, one ChildUpdated for the three children, and the pool
		// advice's PoolRecommendation.
		"POST /apis/events.k8s.io/v1/namespaces/" + ns + "/events": 3,
	}
	// Events are sent asynchronously: wait for them, then for nothing more.
	eventually(t, "the requests of a new instance", func() error {
		if got := requests.requestCounts(ns); !maps.Equal(got, want) {
			return fmt.Errorf("\n got %v\nwant %v", got, want)
		}
		return nil
	})
	var events corev1.EventList
	if err := s.e.Client.List(t.Context(), &events, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var applied []string
	for _, ev := range events.Items {
		if ev.Reason == iapiv1alpha1.ReasonChildUpdated {
			applied = append(applied, ev.Message)
		}
	}
	wantApplied := fmt.Sprintf("Created Deployment %s-stable; Created Service %s; Created PodDisruptionBudget %s", name, name, name)
	if len(applied) != 1 || applied[0] != wantApplied {
		t.Errorf("ChildUpdated Events %q, want one: %q", applied, wantApplied)
	}
}

// With the Compare judge a step is sampled every second between its analyses; the
// samples measure the pods the step's latest listing found, so only the step's first
// look and its analyses list pods.
func testSampleRequests(t *testing.T, e *envtest.Env) {
	const ns = "requests-samples"
	requests := &requestLog{}
	src := &compareSource{canary: steady(healthyPod), stable: steady(healthyPod)}
	s := newScenarioWith(t, e, ns, src, func(in *iapiv1alpha1.InterviewAPI) {
		withCompareInterval(in)
		// The step outlasts its first analysis, whose pass would otherwise start the
		// next step (whose first look lists the pods).
		in.Spec.Rollout.Steps[0].Pause = &metav1.Duration{Duration: 2 * compareInterval}
	}, withRequestLog(requests))
	podLists := func() int { return requests.requestCounts(ns)["GET /api/v1/namespaces/"+ns+"/pods"] }
	startRollout(t, s)
	in := s.get(t)
	if in.Status.StepStartTime == nil {
		t.Fatalf("the first step has not started: %+v", in.Status)
	}
	started := podLists()
	seconds := int(compareInterval/time.Second) - 1
	for range seconds {
		s.tick(time.Second)
		s.converge(t)
	}
	if got := s.get(t).Status; got.LastAnalysis != nil || got.Phase != iapiv1alpha1.PhaseProgressing {
		t.Fatalf("before the first analysis: phase %s, last analysis %+v", got.Phase, got.LastAnalysis)
	}
	if n := podLists() - started; n != 0 {
		t.Errorf("%d samples listed the pods %d times, want none", seconds, n)
	}
	if got := src.looks(); got < seconds {
		t.Errorf("the pods were measured %d times in %d seconds of samples", got, seconds)
	}
	s.tick(time.Second)
	s.converge(t)
	if got := s.get(t).Status.LastAnalysis; got == nil || got.Verdict != iapiv1alpha1.VerdictPass {
		t.Fatalf("the first analysis: %+v, want a pass", got)
	}
	if n := podLists() - started; n != 1 {
		t.Errorf("the analysis listed the pods %d times, want once", n)
	}
	if step := stepOf(s.get(t).Status); step != 0 {
		t.Errorf("step %d after the first analysis, want still the first", step)
	}
}
