// Command benchjudge runs the canary judges' scenario corpus on the local cluster
// (test/localcluster) with real server pods, real PostgreSQL and traffic through the
// Services, the Compare and the Threshold judge side by side in the same run, and
// writes what they decided into docs/benchmarks.md between the bench-judge markers:
//
//   - A/A revisions (nothing that matters changes) under steady, bursty and low load:
//     the false-failure rate;
//   - improvements (sync → async, a larger pool): promoted or not;
//   - regressions (a starving pool, no overflow under bursts, a timeout too short,
//     connections recycled until they churn, a few more 5xx than the stable pods):
//     the detection rate, the time from the canary's first ready pod to the rollback
//     decision, and the failed requests until every pod is back on stable;
//   - shared faults (PostgreSQL stopped, every reply slowed): rollbacks and
//     promotions while the fault lasts;
//
// each repeated --runs times, with Wilson intervals, and what sampling every second
// costs the operator and a server pod. Everything it starts listens on loopback.
//
//	go run ./hack/benchjudge                              # what `make bench-judge` runs
//	go run ./hack/benchjudge --runs 1 --scenarios aa-steady,starving-pool --out -
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/e2e/framework"
	"github.com/interviewapi/operator/test/localcluster"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchjudge:", err)
		os.Exit(1)
	}
}

// defaultRuns fits the whole corpus in about 35 minutes on the shared 2-core machine:
// a repetition of the twelve scenarios takes about eight, and creating and deleting
// their instances three more.
const defaultRuns = 4

type options struct {
	runs      int
	scenarios []scenario
	node      localcluster.NodeKind
	root, bin string
	dir       string
	out       string
	timeout   time.Duration
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	o := options{}
	fs := flag.NewFlagSet("benchjudge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.runs, "runs", defaultRuns, "Repetitions of every scenario (each under both judges).")
	names := fs.String("scenarios", "", "Comma-separated scenarios to run (default: all): "+strings.Join(scenarioNames(), ", "))
	node := fs.String("node", "process", "The local cluster's node: process (pods as local processes) or real (kubelet, containerd; root). The /metrics cost is measured on the process node only.")
	fs.StringVar(&o.bin, "bin", "", "Folder of the built programs (default: bin/ of the repository).")
	fs.StringVar(&o.dir, "dir", "", "Folder for the cluster's files, kept after the run (default: a temporary folder, removed).")
	fs.StringVar(&o.out, "out", "docs/benchmarks.md", `Markdown file whose bench-judge section is rewritten ("-": print the section).`)
	fs.DurationVar(&o.timeout, "timeout", 75*time.Minute, "Bound of the whole run.")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.runs < 1 || o.runs > 100 {
		return o, fmt.Errorf("--runs %d: want 1 to 100", o.runs)
	}
	var err error
	if o.node, err = localcluster.ParseNodeKind(*node); err != nil {
		return o, fmt.Errorf("--node: %w", err)
	}
	all := corpus()
	if *names == "" {
		o.scenarios = all
	} else {
		for _, n := range strings.Split(*names, ",") {
			i := slices.IndexFunc(all, func(s scenario) bool { return s.name == strings.TrimSpace(n) })
			if i < 0 {
				return o, fmt.Errorf("--scenarios: no scenario %q (there are %s)", n, strings.Join(scenarioNames(), ", "))
			}
			o.scenarios = append(o.scenarios, all[i])
		}
	}
	if o.root, err = localcluster.RepoRoot(); err != nil {
		return o, fmt.Errorf("run it from inside the repository (make bench-judge): %w", err)
	}
	if o.bin == "" {
		o.bin = filepath.Join(o.root, "bin")
	}
	for _, program := range []string{"interviewapi-server", "interviewapi-operator", "k8s/kube-apiserver", "k8s/etcd"} {
		if _, err := os.Stat(filepath.Join(o.bin, program)); err != nil {
			return o, fmt.Errorf("%s is missing: run `make tools build` (make bench-judge does)", filepath.Join(o.bin, program))
		}
	}
	return o, nil
}

func scenarioNames() []string {
	var out []string
	for _, s := range corpus() {
		out = append(out, s.name)
	}
	return out
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	ctrllog.SetLogger(logr.Discard())
	if o.dir == "" {
		dir, err := os.MkdirTemp("", "benchjudge-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		o.dir = dir
	}
	b := &bench{o: o, log: stderr}
	res := newResults()
	res.meta = runMeta{started: time.Now().UTC(), loadStart: loadAverage(), runs: o.runs, scenarios: len(o.scenarios),
		machine: fmt.Sprintf("%d CPUs, %s", runtime.NumCPU(), runtime.Version())}
	defer b.tearDown()
	if err := b.setUp(ctx); err != nil {
		return err
	}
	res.meta.node, res.meta.nodeReason = string(b.cluster.Node), b.cluster.NodeReason
	for _, sc := range o.scenarios {
		b.logf("scenario %s (%s): %s, load %s", sc.name, sc.group, sc.what, sc.load)
		if err := b.runScenario(ctx, sc, res); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("%s: %w (nothing written)", sc.name, err)
			}
			b.logf("scenario %s cut short: %v", sc.name, err)
			res.meta.errors = append(res.meta.errors, fmt.Sprintf("%s: %v", sc.name, err))
		}
	}
	res.scrape = b.scrapeCost(ctx)
	res.meta.ended, res.meta.loadEnd = time.Now().UTC(), loadAverage()
	report := renderReport(res)
	if o.out == "-" {
		_, err := io.WriteString(os.Stdout, report)
		return err
	}
	if err := section.Update(o.out, report); err != nil {
		return err
	}
	b.logf("wrote the bench-judge section of %s", o.out)
	return nil
}

// scrapeCost measures /metrics on a pod of an instance created for it, with no traffic.
func (b *bench) scrapeCost(ctx context.Context) scrapeCost {
	t := &track{judge: iapiv1alpha1.JudgeCompare, key: types.NamespacedName{Namespace: b.ns[iapiv1alpha1.JudgeCompare], Name: "scrape-cost"}}
	defer b.deleteInstances(ctx, []*track{t})
	in := framework.NewInstance(framework.InstanceOptions{Namespace: t.key.Namespace, Name: t.key.Name, Replicas: 1})
	if err := b.client.Create(ctx, in); err != nil {
		return scrapeCost{err: err.Error()}
	}
	if err := framework.WaitSettled(ctx, b.client, t.key, 1, "sync", settleTimeout); err != nil {
		return scrapeCost{err: err.Error()}
	}
	s := b.measureScrape(ctx, t.key)
	b.logf("/metrics: %+v", s)
	return s
}

// loadAverage is the 1-minute load average now, "?" when unreadable.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(raw)); len(f) > 0 {
		return f[0]
	}
	return "?"
}
