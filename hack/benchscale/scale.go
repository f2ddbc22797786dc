package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/hack/procstat"
	"github.com/interviewapi/operator/test/envtest"
)

// Namespaces of the benchmark: the instances that stay put are spread over spreadNS
// namespaces; the rolling ones live in rolloutNS, whose Deployments get pods.
const (
	spreadNS  = 10
	rolloutNS = "rollout"
	creators  = 16
)

// runResult is one cold start and, when asked, the rollouts.
type runResult struct {
	Instances int
	Create    time.Duration // creating the instances, before the operator starts
	// Healthy is from the operator's start until every instance is Healthy.
	Healthy, HalfHealthy time.Duration
	ColdCPU              time.Duration // the operator's CPU time until every instance was Healthy
	ColdReconciles       float64
	ReconcileP50         float64 // seconds, over the cold start
	ReconcileP99         float64
	ColdRequests         map[string]int
	PeakRSS              int64 // KiB: VmHWM at the end of the steady window
	SteadyRSS            int64 // KiB: VmRSS at the end of the steady window
	SteadyCPU            float64
	SteadyRequests       map[string]int
	SteadyReconciles     float64
	Load                 float64
	Rollout              *rolloutResult
}

// rolloutResult is the rollout phase.
type rolloutResult struct {
	Instances          int
	Duration           time.Duration
	Promoted, Other    int
	Analyses           int
	LateP50, LateP99   time.Duration
	LateMax, EarlyMax  time.Duration
	WithinSecond       int
	PeakRSS            int64 // KiB, sampled during the phase
	CPU                float64
	ScrapePeak, Scrape int
	TimedOut           bool
	Requests           map[string]int
	Load               float64
}

func runScale(ctx context.Context, o options, bin, dir, logs string, n, rollouts int, stderr io.Writer) (runResult, error) {
	r := runResult{Instances: n}
	// Every instance has a ClusterIP Service: envtest's default range (a /24) holds 254.
	env, err := envtest.New(envtest.APIServerFlag{Name: "service-cluster-ip-range", Value: "10.96.0.0/16"})
	if err != nil {
		return r, err
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(stderr, "stop envtest:", err)
		}
	}()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	fixture, err := loadFixture()
	if err != nil {
		return r, err
	}
	servers := newPodServers(fixture)
	managed := labels.SelectorFromSet(labels.Set{iapiv1alpha1.LabelManaged: iapiv1alpha1.ManagerName})
	benchCache, err := cache.New(env.Config, cache.Options{
		Scheme: env.Scheme,
		ByObject: map[client.Object]cache.ByObject{
			&appsv1.Deployment{}: {Label: managed},
		},
		DefaultTransform: cache.TransformStripManagedFields(),
	})
	if err != nil {
		return r, err
	}
	steps := newStepLog()
	inf, err := benchCache.GetInformer(ctx, &iapiv1alpha1.InterviewAPI{})
	if err != nil {
		return r, err
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		UpdateFunc: func(oldObj, newObj any) { steps.observe(oldObj, newObj) },
	}); err != nil {
		return r, err
	}
	kl := newKubelet(env.Client, benchCache, servers)
	go func() { _ = benchCache.Start(ctx) }()
	if _, err := benchCache.GetInformer(ctx, &appsv1.Deployment{}); err != nil {
		return r, err
	}
	if !benchCache.WaitForCacheSync(ctx) {
		return r, fmt.Errorf("the benchmark's cache did not sync")
	}
	go func() { _ = kl.run(ctx, 8) }()

	start := time.Now()
	if err := createInstances(ctx, env.Client, n, rollouts, o); err != nil {
		return r, err
	}
	r.Create = time.Since(start)
	fmt.Fprintf(stderr, "  %d instances created in %s\n", n, r.Create.Round(time.Millisecond))

	proxy, err := startAPIProxy(env.Config)
	if err != nil {
		return r, err
	}
	defer proxy.close()
	kubeconfig, err := writeKubeconfig(dir, proxy.url)
	if err != nil {
		return r, err
	}
	op, err := startOperator(bin, kubeconfig, filepath.Join(logs, fmt.Sprintf("operator-%d.log", n)), o.operatorArgs)
	if err != nil {
		return r, err
	}
	defer func() {
		if err := op.stop(); err != nil {
			fmt.Fprintf(stderr, "  operator of the %d-instance run: %v\n", n, err)
		}
	}()
	opStart := time.Now()
	u0 := usage{at: opStart}

	half := false
	err = waitFor(ctx, o.healthyTimeout, 100*time.Millisecond, func() (bool, error) {
		healthy, err := countHealthy(ctx, benchCache, nil)
		if err != nil {
			return false, err
		}
		if !half && healthy*2 >= n {
			half, r.HalfHealthy = true, time.Since(opStart)
		}
		return healthy == n, nil
	})
	if err != nil {
		return r, fmt.Errorf("waiting for every instance to be Healthy: %w", err)
	}
	r.Healthy = time.Since(opStart)
	u1, err := op.usage()
	if err != nil {
		return r, err
	}
	r.ColdCPU = u1.cpu - u0.cpu
	r.ColdRequests = proxy.snapshot()
	m1, err := op.metrics(ctx)
	if err != nil {
		return r, err
	}
	r.ColdReconciles = m1.reconciles
	r.ReconcileP50, r.ReconcileP99 = bucketQuantile(0.5, m1.reconcile), bucketQuantile(0.99, m1.reconcile)
	fmt.Fprintf(stderr, "  all Healthy %s after the operator started (half at %s), %.1fs CPU\n",
		r.Healthy.Round(time.Millisecond), r.HalfHealthy.Round(time.Millisecond), r.ColdCPU.Seconds())

	if err := sleep(ctx, o.settle); err != nil {
		return r, err
	}
	c0, u2 := proxy.snapshot(), mustUsage(op)
	m2, err := op.metrics(ctx)
	if err != nil {
		return r, err
	}
	if err := sleep(ctx, o.steady); err != nil {
		return r, err
	}
	c1, u3 := proxy.snapshot(), mustUsage(op)
	m3, err := op.metrics(ctx)
	if err != nil {
		return r, err
	}
	r.SteadyRequests = countsBetween(c0, c1)
	r.SteadyRSS, r.PeakRSS = u3.rss, u3.hwm
	r.SteadyCPU = cpuShare(u2, u3)
	r.SteadyReconciles = m3.reconciles - m2.reconciles
	r.Load = loadAverage()
	fmt.Fprintf(stderr, "  steady %s: RSS %d MiB (peak %d MiB), %.3f cores, requests %v\n",
		o.steady, r.SteadyRSS>>10, r.PeakRSS>>10, r.SteadyCPU, r.SteadyRequests)

	if rollouts > 0 {
		rr, err := runRollouts(ctx, o, op, proxy, kl, benchCache, servers, steps, rollouts, stderr)
		if err != nil {
			return r, err
		}
		r.Rollout = rr
	}
	return r, nil
}

// runRollouts gives the rolling instances' Deployments pods, enables async on all of
// them at once and follows the rollouts to their end.
func runRollouts(ctx context.Context, o options, op *operatorProcess, proxy *apiProxy, kl *kubelet, c cache.Cache,
	servers *podServers, steps *stepLog, n int, stderr io.Writer) (*rolloutResult, error) {
	rr := &rolloutResult{Instances: n}
	kl.givePods(rolloutNS)
	if err := kl.resync(ctx, rolloutNS); err != nil {
		return nil, err
	}
	want := n * o.replicas
	if err := waitFor(ctx, 2*time.Minute, 100*time.Millisecond, func() (bool, error) { return kl.podCount() == want, nil }); err != nil {
		return nil, fmt.Errorf("waiting for %d pods: %w (have %d)", want, err, kl.podCount())
	}
	fmt.Fprintf(stderr, "  %d pods running for the rollouts\n", want)
	if err := sleep(ctx, o.settle); err != nil {
		return nil, err
	}
	c0, u0 := proxy.snapshot(), mustUsage(op)
	sampler := procstat.StartMemorySampler(op.pid(), 200*time.Millisecond)
	start := time.Now()
	var list iapiv1alpha1.InterviewAPIList
	if err := c.List(ctx, &list, client.InNamespace(rolloutNS)); err != nil {
		return nil, err
	}
	// The generation each instance has with async enabled: a rollout has ended when the
	// status has seen it and no canary is left.
	var genMu sync.Mutex
	patched := map[types.NamespacedName]int64{}
	if err := parallel(ctx, list.Items, func(ctx context.Context, in iapiv1alpha1.InterviewAPI) error {
		patch := client.RawPatch(types.MergePatchType, []byte(`{"spec":{"database":{"async":{"enabled":true}}}}`))
		if err := kl.c.Patch(ctx, &in, patch); err != nil {
			return err
		}
		genMu.Lock()
		patched[client.ObjectKeyFromObject(&in)] = in.Generation
		genMu.Unlock()
		return nil
	}); err != nil {
		return nil, err
	}
	ended := func(in *iapiv1alpha1.InterviewAPI) bool {
		gen, ok := patched[client.ObjectKeyFromObject(in)]
		return ok && in.Status.ObservedGeneration >= gen && in.Status.Canary == nil &&
			(in.Status.Phase == iapiv1alpha1.PhaseHealthy || in.Status.Phase == iapiv1alpha1.PhaseDegraded)
	}
	err := waitFor(ctx, o.rolloutTimeout, 200*time.Millisecond, func() (bool, error) {
		done, err := countHealthy(ctx, c, ended)
		return done >= n, err
	})
	if errors.Is(err, errTimeout) {
		// Report what happened until then: the rollouts still running are counted as
		// not promoted.
		rr.TimedOut = true
		fmt.Fprintf(stderr, "  the rollouts did not all end within %s\n", o.rolloutTimeout)
	} else if err != nil {
		return nil, fmt.Errorf("waiting for the rollouts to end: %w", err)
	}
	rr.Duration = time.Since(start)
	u1 := mustUsage(op)
	if rr.PeakRSS, err = sampler.Finish(); err != nil {
		return nil, fmt.Errorf("sampling the operator's memory: %w", err)
	}
	rr.CPU = cpuShare(u0, u1)
	rr.Requests = countsBetween(c0, proxy.snapshot())
	rr.ScrapePeak, rr.Scrape = servers.fanOut()
	rr.Load = loadAverage()
	if err := c.List(ctx, &list, client.InNamespace(rolloutNS)); err != nil {
		return nil, err
	}
	for _, in := range list.Items {
		if in.Status.Stable != nil && in.Status.Stable.Async && in.Status.Phase == iapiv1alpha1.PhaseHealthy {
			rr.Promoted++
		} else {
			rr.Other++
		}
	}
	var late []time.Duration
	shown := 0
	for key, events := range steps.all() {
		l := analysisLateness(events, o.interval)
		late = append(late, l...)
		if shown < 3 && slices.ContainsFunc(l, func(d time.Duration) bool { return d > time.Second }) {
			// A few timelines of late analyses, for the reader of the log.
			shown++
			fmt.Fprintf(stderr, "  late analyses of %s (delays %v):\n", key, l)
			for _, e := range events {
				fmt.Fprintf(stderr, "    +%6.2fs %s\n", e.at.Sub(start).Seconds(), e.what)
			}
		}
	}
	rr.Analyses = len(late)
	for _, l := range late {
		if l <= time.Second && l >= -time.Second {
			rr.WithinSecond++
		}
		rr.LateMax = max(rr.LateMax, l)
		rr.EarlyMax = max(rr.EarlyMax, -l)
	}
	rr.LateP50, rr.LateP99 = durationQuantile(0.5, late), durationQuantile(0.99, late)
	fmt.Fprintf(stderr, "  rollouts ended in %s: %d promoted, %d not; %d analyses, %d within 1s (p50 %s p99 %s max %s); scrapes %d, at most %d at once\n",
		rr.Duration.Round(time.Millisecond), rr.Promoted, rr.Other, rr.Analyses, rr.WithinSecond, rr.LateP50, rr.LateP99, rr.LateMax, rr.Scrape, rr.ScrapePeak)
	return rr, nil
}

// stepLog records, per instance, when its step started and when analyses were recorded.
type stepLog struct {
	mu     sync.Mutex
	events map[string][]rolloutEvent
}

func newStepLog() *stepLog { return &stepLog{events: map[string][]rolloutEvent{}} }

func (l *stepLog) observe(oldObj, newObj any) {
	before, ok1 := oldObj.(*iapiv1alpha1.InterviewAPI)
	after, ok2 := newObj.(*iapiv1alpha1.InterviewAPI)
	if !ok1 || !ok2 {
		return
	}
	now := time.Now()
	key := after.Namespace + "/" + after.Name
	var add []rolloutEvent
	if t := after.Status.StepStartTime; t != nil && !t.Equal(before.Status.StepStartTime) {
		add = append(add, rolloutEvent{at: now, stepStart: true, what: fmt.Sprintf("step %d started", ptr.Deref(after.Status.CurrentStep, -1))})
	}
	if a := after.Status.LastAnalysis; a != nil && (before.Status.LastAnalysis == nil ||
		!a.Time.Equal(&before.Status.LastAnalysis.Time) || a.Step != before.Status.LastAnalysis.Step) {
		// An analysis recorded in the same write as a step start belongs to the step
		// before it: put it first.
		add = append([]rolloutEvent{{at: now, what: fmt.Sprintf("analysis of step %d: %s %s", a.Step, a.Verdict, a.Message)}}, add...)
	}
	if len(add) == 0 {
		return
	}
	l.mu.Lock()
	l.events[key] = append(l.events[key], add...)
	l.mu.Unlock()
}

func (l *stepLog) all() map[string][]rolloutEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string][]rolloutEvent, len(l.events))
	for k, v := range l.events {
		out[k] = append([]rolloutEvent(nil), v...)
	}
	return out
}

// createInstances creates n instances: the rolling ones in rolloutNS, the rest spread.
func createInstances(ctx context.Context, c client.Client, n, rollouts int, o options) error {
	base, err := sampleInstance()
	if err != nil {
		return err
	}
	base.Spec.Replicas = ptr.To(int32(o.replicas))
	// The sample's connection budget is sized for its 2 replicas.
	base.Spec.Database.MaxServerConnections = nil
	base.Spec.Rollout.Steps = []iapiv1alpha1.RolloutStep{
		{Weight: 50, Pause: &metav1.Duration{Duration: 3 * o.interval}},
		{Weight: 100},
	}
	base.Spec.Rollout.Analysis.Interval = &metav1.Duration{Duration: o.interval}
	nss := map[string]bool{rolloutNS: true}
	var items []iapiv1alpha1.InterviewAPI
	for i := range n {
		in := base.DeepCopy()
		in.Name = fmt.Sprintf("iapi-%04d", i)
		if i < rollouts {
			in.Namespace = rolloutNS
		} else {
			in.Namespace = fmt.Sprintf("scale-%d", i%spreadNS)
		}
		nss[in.Namespace] = true
		items = append(items, *in)
	}
	for ns := range nss {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			return err
		}
		// Pods need their namespace's default service account; no controller makes it.
		if err := c.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "default"}}); err != nil {
			return err
		}
	}
	return parallel(ctx, items, func(ctx context.Context, in iapiv1alpha1.InterviewAPI) error {
		return c.Create(ctx, &in)
	})
}

// parallel runs f over items with creators workers; the first error stops it.
func parallel[T any](ctx context.Context, items []T, f func(context.Context, T) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan T)
	errs := make(chan error, creators)
	var wg sync.WaitGroup
	for range creators {
		wg.Go(func() {
			for it := range work {
				if err := f(ctx, it); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		})
	}
	for _, it := range items {
		select {
		case work <- it:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

func sampleInstance() (*iapiv1alpha1.InterviewAPI, error) {
	raw, err := os.ReadFile(filepath.Join(envtest.RepoRoot(), "config", "samples", "apps_v1alpha1_interviewapi.yaml"))
	if err != nil {
		return nil, err
	}
	in := &iapiv1alpha1.InterviewAPI{}
	if err := yaml.UnmarshalStrict(raw, in); err != nil {
		return nil, fmt.Errorf("config/samples' InterviewAPI: %w", err)
	}
	return in, nil
}

func loadFixture() (*metricsFixture, error) {
	dir := filepath.Join(envtest.RepoRoot(), "internal", "poolhealth", "testdata")
	first, err := os.ReadFile(filepath.Join(dir, "metrics-1.txt"))
	if err != nil {
		return nil, err
	}
	second, err := os.ReadFile(filepath.Join(dir, "metrics-2.txt"))
	if err != nil {
		return nil, err
	}
	return parseFixture(first, second)
}

// countHealthy counts the instances for which ok holds (default: Healthy at their
// current generation).
func countHealthy(ctx context.Context, c cache.Cache, ok func(*iapiv1alpha1.InterviewAPI) bool) (int, error) {
	if ok == nil {
		ok = func(in *iapiv1alpha1.InterviewAPI) bool {
			return in.Status.Phase == iapiv1alpha1.PhaseHealthy && in.Status.ObservedGeneration == in.Generation
		}
	}
	var list iapiv1alpha1.InterviewAPIList
	if err := c.List(ctx, &list); err != nil {
		return 0, err
	}
	n := 0
	for i := range list.Items {
		if ok(&list.Items[i]) {
			n++
		}
	}
	return n, nil
}

// errTimeout is waitFor giving up.
var errTimeout = errors.New("not within")

func waitFor(ctx context.Context, timeout, every time.Duration, done func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := done()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w %s", errTimeout, timeout)
		}
		if err := sleep(ctx, every); err != nil {
			return err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func mustUsage(op *operatorProcess) usage {
	u, err := op.usage()
	if err != nil {
		return usage{at: time.Now()}
	}
	return u
}
