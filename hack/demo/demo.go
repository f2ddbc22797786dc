package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/e2e/framework"
	"github.com/interviewapi/operator/test/localcluster"
)

// The demo's traffic.
const (
	// steadyRate is the steady load, in requests per second: the first step's canary
	// pod gets a quarter of it, enough acquires for every analysis.
	steadyRate = 40
	// burstWorkers send back to back while the bad pool change is analysed.
	burstWorkers = 12
)

// Patches the demo applies with kubectl, as a user would.
const (
	patchAsyncOn  = `{"spec":{"database":{"async":{"enabled":true}}}}`
	patchAsyncOff = `{"spec":{"database":{"async":{"enabled":false}}}}`
	patchBadPool  = `{"spec":{"database":{"pool":{"size":1,"maxOverflow":0,"timeout":"50ms"}}}}`
	// patchSamplePool puts back the sample's pool (config/samples).
	patchSamplePool = `{"spec":{"database":{"pool":{"size":20,"maxOverflow":30,"timeout":"30s"}}}}`
)

// Deadlines of the demo's waits, generous for a busy laptop.
const (
	settleTimeout  = 2 * time.Minute
	rolloutTimeout = 4 * time.Minute
)

type demo struct {
	p          *printer
	root, bin  string
	dir        string
	node       localcluster.NodeKind
	cluster    *localcluster.Cluster
	client     client.Client
	kubectl    framework.Kubectl
	operator   *framework.Operator
	watcher    *framework.Watcher
	key        types.NamespacedName
	replicas   int
	serviceURL string
	load       *framework.Load
}

func run(ctx context.Context, exitAtEnd bool, node localcluster.NodeKind) error {
	root, err := repoRoot()
	if err != nil {
		return err
	}
	d := &demo{
		p:    newPrinter(os.Stdout),
		root: root,
		bin:  filepath.Join(root, "bin"),
		dir:  filepath.Join(root, ".demo"),
		node: node,
		key:  types.NamespacedName{Namespace: "default", Name: "interview"},
	}
	if err := d.checkBinaries(); err != nil {
		return err
	}
	defer d.teardown()
	phases := []func(context.Context) error{
		d.startCluster, d.startOperator, d.applySample, d.startLoad,
		d.enableAsync, d.badPoolChange, d.backToSync, d.lookAround,
	}
	for _, phase := range phases {
		if err := phase(ctx); err != nil {
			if ctx.Err() != nil {
				d.p.Line("interrupted")
				return ctx.Err()
			}
			d.p.Line("FAILED: %v", err)
			d.p.Line("the operator's log is %s", d.rel(filepath.Join(d.dir, "operator.log")))
			return err
		}
	}
	if exitAtEnd {
		d.p.Line("DEMO_EXIT=1: stopping everything")
		return nil
	}
	<-ctx.Done()
	d.p.Line("Ctrl-C: stopping everything")
	return nil
}

func (d *demo) checkBinaries() error {
	for _, program := range []string{"interviewapi-server", "interviewapi-operator", "kubectl-interviewapi", "k8s/kubectl", "k8s/kube-apiserver", "k8s/etcd"} {
		if _, err := os.Stat(filepath.Join(d.bin, program)); err != nil {
			return fmt.Errorf("bin/%s is missing: run `make tools build` (make demo does)", program)
		}
	}
	return nil
}

// rel shows a path relative to the repository, as a user in it would type it.
func (d *demo) rel(path string) string {
	if r, err := filepath.Rel(d.root, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

func (d *demo) startCluster(ctx context.Context) error {
	d.p.Phase("Start the local cluster: Kubernetes on this machine only, a node, PostgreSQL")
	c, err := localcluster.Start(ctx, localcluster.Options{
		Dir:    d.dir,
		BinDir: d.bin,
		Node:   d.node,
		// The sample names the server image's tag appVersion (the real node imports
		// bin/images under it).
		ImageTags: []string{framework.ChartAppVersion(d.root)},
		CRDPaths:  []string{filepath.Join(d.root, "config", "crd", "bases")},
	})
	if err != nil {
		return err
	}
	d.cluster = c
	framework.SetPodDialer(c.DialPod)
	d.p.Line("API server %s up in %s; kubeconfig %s", c.APIServerURL, c.Times.Ready.Round(100*time.Millisecond), d.rel(c.Kubeconfig))
	d.p.Line("%s node: %s", c.Node, c.NodeReason)
	if c.Node == localcluster.NodeReal {
		d.p.Line("pods run as containers (kubelet, containerd, kube-proxy) on %s inside the node's network namespace; logs in %s", c.PodAddresses, d.rel(filepath.Join(d.dir, "pods")))
	} else {
		d.p.Line("pods run as local processes on their own addresses %s; logs in %s", c.PodAddresses, d.rel(filepath.Join(d.dir, "pods")))
	}
	d.p.Line("PostgreSQL is up; its URL is in Secret default/%s (key %s)", localcluster.DatabaseSecret, localcluster.DatabaseSecretKey)
	if d.client, err = framework.NewClient(c.RESTConfig); err != nil {
		return err
	}
	d.kubectl = framework.Kubectl{Path: filepath.Join(d.bin, "k8s", "kubectl"), Kubeconfig: c.Kubeconfig, ExtraPath: d.bin}
	return nil
}

func (d *demo) startOperator(context.Context) error {
	d.p.Phase("Run the operator against it as a local process, like `make run`")
	logPath := filepath.Join(d.dir, "operator.log")
	if err := os.Remove(logPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	op, err := framework.StartOperator(framework.OperatorOptions{
		Binary:                  filepath.Join(d.bin, "interviewapi-operator"),
		Kubeconfig:              d.cluster.NodeKubeconfig(),
		Wrap:                    d.cluster.NodeCommand,
		LogPath:                 logPath,
		LeaderElectionNamespace: "default",
	})
	if err != nil {
		return err
	}
	d.operator = op
	d.p.Command(fmt.Sprintf("KUBECONFIG=%s %s > %s 2>&1",
		d.rel(d.cluster.Kubeconfig), framework.CommandLine("bin/interviewapi-operator", op.Args()...), d.rel(logPath)))
	return nil
}

func (d *demo) applySample(ctx context.Context) error {
	d.p.Phase("Apply the sample InterviewAPI: sync mode, the legacy engine (the runbook's first step)")
	in, err := demoInstance(d.root)
	if err != nil {
		return err
	}
	d.replicas = int(in.Spec.ReplicasOrDefault())
	manifest := filepath.Join(d.dir, "interviewapi.yaml")
	if err := writeManifest(manifest, in); err != nil {
		return err
	}
	d.p.Line("%s, with a rollout sized for a demo (%s):", samplePath, d.rel(manifest))
	d.p.Block(demoOverrides()...)
	d.p.Line("(the sample's Secret holds a placeholder URL: the local cluster wrote the real one)")
	if err := d.run(ctx, "apply", "-f", d.rel(manifest)); err != nil {
		return err
	}
	rp := &rolloutPrinter{p: d.p}
	d.watcher = framework.Watch(context.WithoutCancel(ctx), d.client, d.key, rp.observe)
	if err := framework.WaitSettled(ctx, d.client, d.key, d.replicas, "sync", settleTimeout); err != nil {
		return err
	}
	pods, err := framework.ListServerPods(ctx, d.client, d.key.Namespace, d.key.Name)
	if err != nil {
		return err
	}
	var addrs []string
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			addrs = append(addrs, p.Status.PodIP)
		}
	}
	d.p.Line("%d server pods ready on sync at %s", d.replicas, strings.Join(addrs, ", "))
	return nil
}

func (d *demo) startLoad(ctx context.Context) error {
	d.p.Phase("Send steady load through the Service with hack/loadgen")
	addr, err := d.cluster.WaitServiceAddr(ctx, d.key.Namespace, d.key.Name, framework.ServerPort)
	if err != nil {
		return err
	}
	d.serviceURL = "http://" + addr
	d.p.Line("Service %s/%s:%d is proxied at %s", d.key.Namespace, d.key.Name, framework.ServerPort, d.serviceURL)
	d.p.Line("%d requests/s: parse-jd, analyze-answer ×3, sessions/:id, services; each on a new", steadyRate)
	d.p.Line("connection, so that the proxy splits them across the pods by count, like kube-proxy")
	var last framework.Counts
	var ticks int
	load, err := framework.StartLoad(ctx, framework.LoadOptions{
		BaseURL:     d.serviceURL,
		Rate:        steadyRate,
		Concurrency: 32,
		Progress: func(c framework.Counts) {
			if ticks++; ticks%15 != 0 {
				return
			}
			d.p.Line("load: last 15s %s; since the start %s", c.Sub(last), c)
			last = c
		},
	})
	if err != nil {
		return err
	}
	d.load = load
	time.Sleep(3 * time.Second)
	d.p.Line("load running: %s", load.Counts())
	return nil
}

func (d *demo) enableAsync(ctx context.Context) error {
	d.p.Phase("Enable async mode: the operator rolls it out as a canary, judged by pool health")
	before := d.load.Counts()
	patched := time.Now()
	if err := d.patch(ctx, patchAsyncOn); err != nil {
		return err
	}
	end, err := d.watcher.WaitFor(ctx, rolloutTimeout, "the rollout to async", func(in *iapiv1alpha1.InterviewAPI) (bool, string) {
		return framework.PromotedToAsync(in) || in.Status.Phase == iapiv1alpha1.PhaseRolledBack || in.Status.Phase == iapiv1alpha1.PhaseDegraded, "rolling out"
	})
	if err != nil {
		return err
	}
	if !framework.PromotedToAsync(end.Instance) {
		return fmt.Errorf("the rollout to async did not complete: %s; %s", framework.StatusLine(end.Instance), rolledBackReason(end.Instance))
	}
	if err := framework.WaitSettled(ctx, d.client, d.key, d.replicas, "async", settleTimeout); err != nil {
		return err
	}
	d.p.Line("PROMOTED %s after the patch (its steps' pauses and analysis intervals add up to %s); every pod runs async",
		end.Time.Sub(patched).Round(time.Second), framework.ConfiguredRolloutTime(end.Instance))
	d.p.Line("load during the rollout: %s", d.load.Counts().Sub(before))
	return nil
}

func (d *demo) badPoolChange(ctx context.Context) error {
	d.p.Phase("A bad pool change: 1 connection, no overflow, 50ms timeout")
	d.p.Line("In async mode a request holds a connection only per statement, so one connection still")
	d.p.Line("carries the steady load. Concurrency is what it cannot carry: a burst of %d clients sending", burstWorkers)
	d.p.Line("back to back starts with the change, and about a quarter of them reach the canary pod.")
	burst, err := framework.StartLoad(ctx, framework.LoadOptions{BaseURL: d.serviceURL, Concurrency: burstWorkers})
	if err != nil {
		return err
	}
	defer burst.Stop()
	if err := d.patch(ctx, patchBadPool); err != nil {
		return err
	}
	end, err := d.watcher.WaitFor(ctx, rolloutTimeout, "the bad pool rolled back", func(in *iapiv1alpha1.InterviewAPI) (bool, string) {
		promoted := in.Status.Phase == iapiv1alpha1.PhaseHealthy && in.Status.Stable != nil && in.Status.Stable.Pool.Size == 1
		return promoted || in.Status.Phase == iapiv1alpha1.PhaseRolledBack, "rolling out"
	})
	if err != nil {
		return err
	}
	if end.Instance.Status.Phase != iapiv1alpha1.PhaseRolledBack {
		return fmt.Errorf("the bad pool was promoted: %s", framework.StatusLine(end.Instance))
	}
	failedAt := end.Instance.Status.LastAnalysis.Time.Time
	d.p.Line("ROLLED BACK by the operator: %s", rolledBackReason(end.Instance))
	burstCounts := burst.Counts()
	burst.Stop()
	if err := framework.WaitPods(ctx, d.client, d.key, settleTimeout, "every pod back on the stable revision", func(p framework.Pods) bool {
		return p.AllOn(d.replicas, "async") && p.Tracks[iapiv1alpha1.TrackStable] == d.replicas
	}); err != nil {
		return err
	}
	d.p.Line("every pod back on the stable revision %s after the failed analysis; the burst got %s",
		time.Since(failedAt).Round(100*time.Millisecond), burstCounts)
	recovered := d.load.Counts()
	time.Sleep(5 * time.Second)
	d.p.Line("steady load in the 5s since: %s", d.load.Counts().Sub(recovered))

	d.p.Line("The spec still asks for that pool; status.failedRevision keeps it from being rolled out")
	d.p.Line("again until the spec changes. Put the sample's pool back:")
	if err := d.patch(ctx, patchSamplePool); err != nil {
		return err
	}
	return framework.WaitSettled(ctx, d.client, d.key, d.replicas, "async", settleTimeout)
}

func (d *demo) backToSync(ctx context.Context) error {
	d.p.Phase("Roll async back with kubectl patch: applied at once, without a canary")
	before := d.load.Counts()
	patched := time.Now()
	if err := d.patch(ctx, patchAsyncOff); err != nil {
		return err
	}
	if err := framework.WaitSettled(ctx, d.client, d.key, d.replicas, "sync", settleTimeout); err != nil {
		return err
	}
	took := time.Since(patched)
	in := &iapiv1alpha1.InterviewAPI{}
	if err := d.client.Get(ctx, d.key, in); err != nil {
		return err
	}
	outcome := "?"
	if h := framework.LastHistory(in); h != nil {
		outcome = h.Outcome + ": " + h.Reason
	}
	d.p.Line("every pod on sync and ready %s after the patch (history: %s)", took.Round(100*time.Millisecond), outcome)
	d.p.Line("load during it: %s", d.load.Counts().Sub(before))
	return nil
}

func (d *demo) lookAround(ctx context.Context) error {
	d.p.Phase("Look around")
	if err := d.run(ctx, "get", "interviewapis"); err != nil {
		return err
	}
	if err := d.run(ctx, "interviewapi", "history", d.key.Name); err != nil {
		return err
	}
	kubeconfig := d.cluster.Kubeconfig
	d.p.Text(
		"",
		"In another terminal (the load keeps running):",
		"  export KUBECONFIG="+kubeconfig+" PATH="+d.bin+":"+filepath.Join(d.bin, "k8s")+":$PATH",
		"  kubectl get iapi,deployments,pods -o wide",
		"  kubectl interviewapi status interview --watch",
		"  kubectl interviewapi history interview",
		"  kubectl get events --sort-by=.lastTimestamp",
		"  curl -s "+d.serviceURL+"/monitoring/database | jq .connection_pool_status",
		"  curl -s "+d.serviceURL+"/health | jq .async_database.status",
		"  tail -f "+d.rel(filepath.Join(d.dir, "operator.log")),
		"  kubectl patch interviewapi interview --type merge -p '"+patchAsyncOn+"'   # and watch it again",
		"",
	)
	return nil
}

// run runs kubectl, printing the command and its output.
func (d *demo) run(ctx context.Context, args ...string) error {
	d.p.Command(framework.CommandLine("kubectl", args...))
	out, err := d.kubectl.Run(ctx, args...)
	if err != nil {
		return err
	}
	d.p.Block(strings.Split(strings.TrimRight(out, "\n"), "\n")...)
	return nil
}

// patch runs `kubectl patch interviewapi interview --type merge -p PATCH`.
func (d *demo) patch(ctx context.Context, patch string) error {
	return d.run(ctx, "patch", "interviewapi", d.key.Name, "--type", "merge", "-p", patch)
}

// teardown stops what the demo started, newest first.
func (d *demo) teardown() {
	start := time.Now()
	if d.watcher != nil {
		d.watcher.Stop()
	}
	if d.load != nil {
		s := d.load.Stop()
		d.p.Line("load stopped: %d requests in %s, %d failed", s.Requests, s.Elapsed.Round(time.Second), s.Errors)
	}
	if d.operator != nil {
		if err := d.operator.Stop(); err != nil {
			d.p.Line("stop the operator: %v", err)
		}
	}
	if d.cluster != nil {
		if err := d.cluster.Stop(); err != nil {
			d.p.Line("stop the cluster: %v", err)
		}
		d.p.Line("everything stopped in %s", time.Since(start).Round(100*time.Millisecond))
	}
}
