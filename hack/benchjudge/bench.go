package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/hack/procstat"
	"github.com/interviewapi/operator/test/e2e/framework"
	"github.com/interviewapi/operator/test/localcluster"
)

// judges are compared side by side: each has its own namespace, database and
// operator, and its instance gets the same change at the same moment under the same
// traffic profile.
var judges = []iapiv1alpha1.AnalysisJudge{iapiv1alpha1.JudgeCompare, iapiv1alpha1.JudgeThreshold}

// Bounds of one repetition's waits.
const (
	settleTimeout  = 3 * time.Minute
	outcomeTimeout = 4 * time.Minute
	// warmUp lets the traffic reach every pod before the first change.
	warmUp = 5 * time.Second
	// faultAfterReady is how long both canaries serve before a shared fault starts,
	// so that the judges have seen them healthy.
	faultAfterReady = 3 * time.Second
	replicas        = 4
)

type bench struct {
	o       options
	log     io.Writer
	cluster *localcluster.Cluster
	client  client.Client
	proxy   *dbProxy
	// per judge
	ns        map[iapiv1alpha1.AnalysisJudge]string
	operators map[iapiv1alpha1.AnalysisJudge]*framework.Operator
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.log, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// setUp starts the cluster, the database proxy, and per judge a namespace, a database
// and an operator watching only that namespace.
func (b *bench) setUp(ctx context.Context) error {
	c, err := localcluster.Start(ctx, localcluster.Options{
		Dir:       b.o.dir,
		BinDir:    b.o.bin,
		Node:      b.o.node,
		ImageTags: []string{framework.ServerImageTag},
		CRDPaths:  []string{filepath.Join(b.o.root, "config", "crd", "bases")},
	})
	if err != nil {
		return fmt.Errorf("start the local cluster: %w", err)
	}
	b.cluster = c
	b.logf("local cluster up (%s node: %s), files in %s", c.Node, c.NodeReason, c.Dir)
	framework.SetPodDialer(c.DialPod)
	if b.client, err = framework.NewClient(c.RESTConfig); err != nil {
		return err
	}
	if b.proxy, err = startDBProxy(func() (string, error) { return hostPort(b.cluster.DatabaseURL) }); err != nil {
		return err
	}
	b.ns = map[iapiv1alpha1.AnalysisJudge]string{}
	b.operators = map[iapiv1alpha1.AnalysisJudge]*framework.Operator{}
	for _, j := range judges {
		ns := "bench-" + strings.ToLower(string(j))
		if err := framework.CreateNamespace(ctx, b.client, ns); err != nil {
			return err
		}
		dbURL, err := framework.CreateDatabase(ctx, c.DatabaseURL, strings.ReplaceAll(ns, "-", "_"))
		if err != nil {
			return err
		}
		viaProxy, err := b.proxy.URL(dbURL)
		if err != nil {
			return err
		}
		if err := framework.WriteDatabaseSecret(ctx, b.client, ns, c.PodDatabaseURL(viaProxy)); err != nil {
			return err
		}
		op, err := framework.StartOperator(framework.OperatorOptions{
			Binary:     filepath.Join(b.o.bin, "interviewapi-operator"),
			Kubeconfig: c.NodeKubeconfig(),
			Wrap:       c.NodeCommand,
			LogPath:    filepath.Join(c.Dir, "operator-"+ns+".log"),
			Namespaces: []string{ns},
		})
		if err != nil {
			return err
		}
		b.ns[j], b.operators[j] = ns, op
	}
	return nil
}

func (b *bench) tearDown() {
	for _, op := range b.operators {
		if err := op.Stop(); err != nil {
			b.logf("stop an operator: %v", err)
		}
	}
	if b.proxy != nil {
		_ = b.proxy.Close()
	}
	if b.cluster != nil {
		if err := b.cluster.Stop(); err != nil {
			b.logf("stop the cluster: %v", err)
		}
	}
}

// track is one judge's instance of a scenario with its traffic.
type track struct {
	judge   iapiv1alpha1.AnalysisJudge
	key     types.NamespacedName
	traffic *traffic
}

// runScenario creates the scenario's instance under each judge, runs its
// repetitions, and deletes the instances.
func (b *bench) runScenario(ctx context.Context, sc scenario, res *results) error {
	tracks := make([]*track, 0, len(judges))
	defer func() {
		for _, t := range tracks {
			if t.traffic != nil {
				t.traffic.Stop()
			}
		}
		b.deleteInstances(ctx, tracks)
	}()
	for _, j := range judges {
		t := &track{judge: j, key: types.NamespacedName{Namespace: b.ns[j], Name: sc.name}}
		in := framework.NewInstance(framework.InstanceOptions{
			Namespace: t.key.Namespace, Name: t.key.Name, Replicas: replicas,
			Async: sc.base.async, Pool: sc.base.pool, Rollout: rolloutFor(sc, j),
		})
		if err := b.client.Create(ctx, in); err != nil {
			return fmt.Errorf("create %s: %w", t.key, err)
		}
		tracks = append(tracks, t)
	}
	for _, t := range tracks {
		if err := framework.WaitSettled(ctx, b.client, t.key, replicas, iapiv1alpha1.ModeName(sc.base.async), settleTimeout); err != nil {
			return err
		}
		addr, err := b.cluster.WaitServiceAddr(ctx, t.key.Namespace, t.key.Name, framework.ServerPort)
		if err != nil {
			return err
		}
		if t.traffic, err = startTraffic(ctx, "http://"+addr, sc.load); err != nil {
			return fmt.Errorf("traffic to %s: %w", t.key, err)
		}
	}
	time.Sleep(warmUp)
	for k := 0; k < b.o.runs; k++ {
		runs, err := b.repetition(ctx, sc, k, tracks)
		for _, r := range runs {
			b.logf("%s #%d %s: %s", sc.name, k+1, r.judge, r.summary())
		}
		res.add(sc, runs...)
		if err != nil {
			return fmt.Errorf("%s, repetition %d: %w", sc.name, k+1, err)
		}
	}
	return nil
}

// repetition makes the scenario's change on every track at once, waits for each
// rollout's end, applies the shared fault when there is one, and puts the baseline
// back for the next repetition.
func (b *bench) repetition(ctx context.Context, sc scenario, k int, tracks []*track) ([]rollout, error) {
	change := sc.change(k)
	runs := make([]rollout, len(tracks))
	errs := make([]error, len(tracks))
	ready := make(chan time.Time, len(tracks))
	var wg sync.WaitGroup
	for i, t := range tracks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i], errs[i] = b.rollout(ctx, sc, t, change, ready)
		}()
	}
	var fw faultWindow
	var faultErr error
	if sc.fault != faultNone {
		fw, faultErr = b.faultWhenReady(ctx, sc.fault, len(tracks), ready)
	}
	wg.Wait()
	for i := range runs {
		runs[i].fault = fw
	}
	if err := firstError(append(errs, faultErr)...); err != nil {
		return runs, err
	}
	if sc.group == groupImprovement || sc.group == groupRegression {
		for _, t := range tracks {
			if err := framework.PatchSpec(ctx, b.client, t.key, specPatch(sc.base)); err != nil {
				return runs, err
			}
		}
		for _, t := range tracks {
			if err := framework.WaitSettled(ctx, b.client, t.key, replicas, iapiv1alpha1.ModeName(sc.base.async), settleTimeout); err != nil {
				return runs, fmt.Errorf("back to the baseline: %w", err)
			}
		}
	}
	return runs, nil
}

// faultWhenReady waits until every track's canary serves (or one rollout ends
// without), then holds the fault.
func (b *bench) faultWhenReady(ctx context.Context, f fault, n int, ready <-chan time.Time) (faultWindow, error) {
	deadline := time.After(2 * time.Minute)
	for seen := 0; seen < n; seen++ {
		select {
		case <-ready:
		case <-deadline:
			return faultWindow{}, fmt.Errorf("the canaries were not ready within 2 minutes; no %s", f)
		case <-ctx.Done():
			return faultWindow{}, ctx.Err()
		}
	}
	time.Sleep(faultAfterReady)
	b.logf("%s for %s", f, faultLength)
	return b.applyFault(ctx, f, faultLength)
}

// rollout makes the change on one track and follows it to its end.
func (b *bench) rollout(ctx context.Context, sc scenario, t *track, change revision, ready chan<- time.Time) (rollout, error) {
	r := rollout{judge: t.judge}
	w := framework.Watch(ctx, b.client, t.key, nil)
	defer w.Stop()
	op := b.operators[t.judge]
	cpu0 := cpuOf(op.Pid())
	before := t.traffic.Counts()
	r.patched = time.Now()
	if err := framework.PatchSpec(ctx, b.client, t.key, specPatch(change)); err != nil {
		return r, err
	}
	target := iapiv1alpha1.NewRevision(change.async, change.pool).Revision
	patchedIn := &iapiv1alpha1.InterviewAPI{}
	if err := b.client.Get(ctx, t.key, patchedIn); err != nil {
		return r, err
	}
	stopPoll := b.pollCanaryReady(ctx, t.key, target, &r, ready)
	end, err := w.WaitFor(ctx, outcomeTimeout, sc.name+" promoted or rolled back", func(in *iapiv1alpha1.InterviewAPI) (bool, string) {
		st := in.Status
		if st.ObservedGeneration < patchedIn.Generation {
			// The outcome of the previous repetition, not yet replaced.
			return false, "the change is not observed yet"
		}
		promoted := st.Phase == iapiv1alpha1.PhaseHealthy && st.Canary == nil && st.Stable != nil && st.Stable.Revision == target
		return promoted || st.Phase == iapiv1alpha1.PhaseRolledBack || degraded(in), "rolling out"
	})
	stopPoll()
	r.cpu = cpuOf(op.Pid()) - cpu0
	if err != nil {
		r.outcome = outcomeTimedOut
		r.detail = err.Error()
		r.load = t.traffic.Counts().Sub(before)
		return r, nil
	}
	r.decided = end.Time
	in := end.Instance
	switch {
	case in.Status.Phase == iapiv1alpha1.PhaseRolledBack:
		r.outcome = outcomeRolledBack
		if c := in.Condition(iapiv1alpha1.ConditionRolledBack); c != nil {
			r.detail = c.Message
		}
		if a := in.Status.LastAnalysis; a != nil {
			r.early = a.Early
		}
		// The users' cost lasts until the canary's pods are gone.
		if err := framework.WaitPods(ctx, b.client, t.key, settleTimeout, "every pod back on stable", func(p framework.Pods) bool {
			return p.Tracks[iapiv1alpha1.TrackStable] == replicas && p.Ready == replicas && p.Terminating == 0
		}); err != nil {
			return r, err
		}
	case degraded(in):
		// Frozen (inconclusiveLimit reached) or Degraded: neither promoted nor rolled
		// back, and it would stay so until someone acts.
		r.outcome = outcomeOther
		r.detail = conditionSummary(in)
	case r.canaryReady.IsZero():
		r.outcome = outcomeNoCanary
	default:
		r.outcome = outcomePromoted
	}
	r.load = t.traffic.Counts().Sub(before)
	for _, a := range in.Status.Analyses {
		r.verdicts = append(r.verdicts, verdictAt{time: a.Time.Time, verdict: a.Verdict})
	}
	return r, nil
}

// pollCanaryReady records when the first canary pod of the revision is first seen
// ready, and says so on ready (once). The returned function stops the polling.
func (b *bench) pollCanaryReady(ctx context.Context, key types.NamespacedName, revision string, r *rollout, ready chan<- time.Time) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			pods, err := framework.ListServerPods(ctx, b.client, key.Namespace, key.Name)
			if err == nil && canaryReady(pods, revision) {
				r.canaryReady = time.Now()
				ready <- r.canaryReady
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// canaryReady reports whether a canary pod of the revision serves: ready and not
// being deleted (a previous repetition's canary may still be stopping).
func canaryReady(pods []corev1.Pod, revision string) bool {
	for i := range pods {
		p := &pods[i]
		if p.Labels[iapiv1alpha1.LabelTrack] == iapiv1alpha1.TrackCanary && p.Labels[iapiv1alpha1.LabelRevision] == revision &&
			p.DeletionTimestamp == nil && framework.PodReady(p) {
			return true
		}
	}
	return false
}

// specPatch is the merge patch that sets a revision's mode and pool.
func specPatch(r revision) string {
	b, err := json.Marshal(map[string]any{"spec": map[string]any{"database": map[string]any{
		"async": map[string]any{"enabled": r.async},
		"pool":  r.pool,
	}}})
	if err != nil {
		panic(err) // a revision always marshals
	}
	return string(b)
}

// deleteInstances deletes a scenario's instances and waits until their pods are gone,
// so that the next scenario runs alone.
func (b *bench) deleteInstances(ctx context.Context, tracks []*track) {
	ctx = context.WithoutCancel(ctx)
	for _, t := range tracks {
		in := &iapiv1alpha1.InterviewAPI{}
		in.Namespace, in.Name = t.key.Namespace, t.key.Name
		if err := b.client.Delete(ctx, in); client.IgnoreNotFound(err) != nil {
			b.logf("delete %s: %v", t.key, err)
		}
	}
	for _, t := range tracks {
		err := framework.Until(ctx, 2*time.Minute, "the pods of "+t.key.String()+" gone", func(ctx context.Context) (bool, string, error) {
			pods, err := framework.ListServerPods(ctx, b.client, t.key.Namespace, t.key.Name)
			return err == nil && len(pods) == 0, fmt.Sprintf("%d pods left", len(pods)), nil
		})
		if err != nil {
			b.logf("%v", err)
		}
	}
}

// cpuOf is a process's CPU time so far, 0 when it cannot be read.
func cpuOf(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	s, err := procstat.ReadStat(pid)
	if err != nil {
		return 0
	}
	return s.CPU
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// degraded reports whether a rollout stopped without an outcome: the Degraded
// condition (a limit or the progress deadline reached; the rollout is then frozen).
func degraded(in *iapiv1alpha1.InterviewAPI) bool {
	c := in.Condition(iapiv1alpha1.ConditionDegraded)
	return in.Status.Phase == iapiv1alpha1.PhaseDegraded || (c != nil && c.Status == "True")
}

func conditionSummary(in *iapiv1alpha1.InterviewAPI) string {
	var parts []string
	for _, c := range in.Status.Conditions {
		if c.Status == "True" && c.Type != iapiv1alpha1.ConditionAvailable {
			parts = append(parts, c.Type+": "+c.Message)
		}
	}
	return strings.Join(parts, "; ")
}
