package controllers_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/envtest"
)

// BenchmarkRollbackLatency measures, against a real API server with the operator
// running as it does in a cluster (watches, work queue, its service account's RBAC),
// how fast the two rollbacks take effect:
//
//   - failure-to-canary-zero: from the metric source returning the failing
//     measurement to the API server answering the write that scales the canary
//     Deployment to 0 replicas;
//   - patch-to-stable: from a client's merge patch of database.async back to the
//     previously promoted value to the API server answering the write that puts
//     that value into the stable Deployment's ASYNC_DATABASE_ENABLED.
//
// Each iteration is one measurement; the figures are reported as p50-ms, p90-ms and
// max-ms. Run it with `make bench-rollback`, or
//
//	go test -run '^$' -bench BenchmarkRollbackLatency -benchtime 20x ./controllers/
//
// Nothing here asserts a speed: the numbers are for docs/benchmarks.md.
func BenchmarkRollbackLatency(b *testing.B) {
	e := envtest.Start(b)
	kubectl(b, kubeconfigFile(b, e.Config), "apply", "-k", "config/default")
	const ns = "bench"
	createNamespace(b, e, ns)
	clk := clocktesting.NewFakeClock(t0)
	src := newFakeSource(clk, "async")
	op := startOperator(b, e, inNamespaces(ns), withClock(clk), withSources(src))

	k := newKubelet(b, e, ns)
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go k.run(ctx, 20*time.Millisecond, errs)
	b.Cleanup(cancel)
	env := &benchEnv{e: e, ns: ns, clock: clk, source: src, op: op, errs: errs}

	b.Run("failure-to-canary-zero", env.failureToCanaryZero)
	b.Run("patch-to-stable", env.patchToStable)
}

// benchEnv is the operator, its fake clock and source, and the running fake kubelet.
type benchEnv struct {
	e      *envtest.Env
	ns     string
	clock  *clocktesting.FakeClock
	source *fakeSource
	op     *operator
	errs   <-chan error
	// instances numbers the instances the benchmarks create.
	instances int
}

func (env *benchEnv) failureToCanaryZero(b *testing.B) {
	var samples []time.Duration
	for range b.N {
		in := env.createInstance(b)
		env.patch(b, in, enableAsync)
		env.waitStatus(b, in, "the canary's first step to start", func(s iapiv1alpha1.InterviewAPIStatus) bool {
			return s.Canary != nil && s.StepStartTime != nil
		})

		// The analysis window is complete and the canary fails it; the poke makes the
		// operator look at once instead of at its requeue.
		env.source.setCanaryP99(250 * time.Millisecond)
		env.clock.Step(analysisInterval)
		env.patch(b, in, fmt.Sprintf(`{"metadata":{"annotations":{"bench.interviewapi.io/tick":%q}}}`, env.clock.Now()))
		failed := env.waitStatus(b, in, "the rollback", func(s iapiv1alpha1.InterviewAPIStatus) bool {
			return s.Phase == iapiv1alpha1.PhaseRolledBack
		})
		measured := env.source.lastReturned()
		env.waitWrite(b, measured, in.CanaryName())
		written, _ := env.op.writes.firstAfter(measured, "/deployments/"+in.CanaryName())
		if d := env.deployment(b, in.CanaryName()); ptr.Deref(d.Spec.Replicas, -1) != 0 || failed.LastAnalysis.Verdict != iapiv1alpha1.VerdictFail {
			b.Fatalf("%s: canary at %d replicas after the failed analysis %+v", in.Name, ptr.Deref(d.Spec.Replicas, -1), failed.LastAnalysis)
		}
		samples = append(samples, written.Sub(measured))
		env.source.setCanaryP99(healthyP99)
	}
	report(b, samples)
}

func (env *benchEnv) patchToStable(b *testing.B) {
	// An instance that promoted async (the promote annotation skips the steps), so that
	// async and sync are both revisions that ran on the stable track: each patch below
	// is a fast rollback to the other.
	in := env.createInstance(b)
	env.patch(b, in, `{"metadata":{"annotations":{"apps.interviewapi.io/promote":"full"}},"spec":{"database":{"async":{"enabled":true}}}}`)
	env.waitSettled(b, in, true)

	var samples []time.Duration
	async := true
	for range b.N {
		async = !async
		patch := fmt.Sprintf(`{"spec":{"database":{"async":{"enabled":%v}}}}`, async)
		start := time.Now()
		env.patch(b, in, patch)
		env.waitWrite(b, start, in.StableName())
		written, _ := env.op.writes.firstAfter(start, "/deployments/"+in.StableName())
		if got := envOf(env.deployment(b, in.StableName()))["ASYNC_DATABASE_ENABLED"]; got != fmt.Sprint(async) {
			b.Fatalf("%s: the stable Deployment's first write after the patch carries ASYNC_DATABASE_ENABLED=%s, want %v", in.Name, got, async)
		}
		samples = append(samples, written.Sub(start))
		env.waitSettled(b, in, async)
	}
	report(b, samples)
}

// createInstance creates a healthy sync instance with fast steps.
func (env *benchEnv) createInstance(b *testing.B) *iapiv1alpha1.InterviewAPI {
	b.Helper()
	env.instances++
	in := sampleInstance(b)
	in.Name = fmt.Sprintf("bench-%d", env.instances)
	in.Namespace = env.ns
	in.Spec.Replicas = ptr.To[int32](4)
	in.Spec.Database.MaxServerConnections = nil
	in.Spec.Rollout.Steps = []iapiv1alpha1.RolloutStep{{Weight: 25}, {Weight: 50}, {Weight: 100}}
	in.Spec.Rollout.Analysis.Interval = &metav1.Duration{Duration: analysisInterval}
	// fakeSource reports measures for the Threshold judge (see newScenario).
	in.Spec.Rollout.Analysis.Judge = iapiv1alpha1.JudgeThreshold
	if err := env.e.Client.Create(context.Background(), in); err != nil {
		b.Fatalf("create %s: %v", in.Name, err)
	}
	env.waitSettled(b, in, false)
	return in
}

func (env *benchEnv) patch(b *testing.B, in *iapiv1alpha1.InterviewAPI, patch string) {
	b.Helper()
	obj := &iapiv1alpha1.InterviewAPI{ObjectMeta: metav1.ObjectMeta{Namespace: in.Namespace, Name: in.Name}}
	if err := env.e.Client.Patch(context.Background(), obj, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		b.Fatalf("patch %s: %v", patch, err)
	}
}

// waitSettled waits until the instance is healthy on the given mode with every pod ready.
func (env *benchEnv) waitSettled(b *testing.B, in *iapiv1alpha1.InterviewAPI, async bool) {
	b.Helper()
	env.waitStatus(b, in, fmt.Sprintf("healthy with async=%v", async), func(s iapiv1alpha1.InterviewAPIStatus) bool {
		return s.Phase == iapiv1alpha1.PhaseHealthy && s.Stable != nil && s.Stable.Async == async && s.Canary == nil && s.ReadyReplicas == 4
	})
}

// waitStatus polls the instance until its status for the current generation passes ok.
func (env *benchEnv) waitStatus(b *testing.B, in *iapiv1alpha1.InterviewAPI, what string, ok func(iapiv1alpha1.InterviewAPIStatus) bool) iapiv1alpha1.InterviewAPIStatus {
	b.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		var got iapiv1alpha1.InterviewAPI
		if err := env.e.Client.Get(context.Background(), client.ObjectKeyFromObject(in), &got); err != nil {
			b.Fatal(err)
		}
		if got.Status.ObservedGeneration == got.Generation && ok(got.Status) {
			return got.Status
		}
		env.checkKubelet(b)
		if time.Now().After(deadline) {
			b.Fatalf("%s: %s not within %s: status %+v", in.Name, what, waitTimeout, got.Status)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitWrite waits for the operator's first write to a Deployment answered after t.
func (env *benchEnv) waitWrite(b *testing.B, t time.Time, deployment string) {
	b.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		if _, ok := env.op.writes.firstAfter(t, "/deployments/"+deployment); ok {
			return
		}
		env.checkKubelet(b)
		if time.Now().After(deadline) {
			b.Fatalf("no write to Deployment %s within %s", deployment, waitTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

func (env *benchEnv) deployment(b *testing.B, name string) *appsv1.Deployment {
	b.Helper()
	d := &appsv1.Deployment{}
	if err := env.e.Client.Get(context.Background(), types.NamespacedName{Namespace: env.ns, Name: name}, d); err != nil {
		b.Fatal(err)
	}
	return d
}

func (env *benchEnv) checkKubelet(b *testing.B) {
	b.Helper()
	select {
	case err := <-env.errs:
		b.Fatalf("fake kubelet: %v", err)
	default:
	}
}

// report publishes the median, the 90th percentile (nearest rank) and the maximum.
func report(b *testing.B, samples []time.Duration) {
	b.Helper()
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	rank := func(q float64) time.Duration {
		return samples[int(math.Ceil(q*float64(len(samples))))-1]
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(rank(0.5)), "p50-ms")
	b.ReportMetric(ms(rank(0.9)), "p90-ms")
	b.ReportMetric(ms(samples[len(samples)-1]), "max-ms")
	b.ReportMetric(float64(len(samples)), "samples")
	// The time per iteration includes creating and rolling out an instance: it
	// measures the harness, not the operator.
	b.ReportMetric(0, "ns/op")
	b.Logf("%d samples: p50 %s, p90 %s, max %s", len(samples), rank(0.5), rank(0.9), samples[len(samples)-1])
}
