// Command benchscale measures the operator at scale against a real kube-apiserver and
// etcd (envtest): cold starts of the operator, as a process of its own built from
// cmd/interviewapi-operator, over 100, 300 and 1,000 InterviewAPIs of 4 replicas (time
// until every instance is Healthy, memory, CPU, the API requests it sends, reconcile
// latency), then 100 rollouts at once with analysis in the largest run. The benchmark
// plays the Deployment controller and the kubelet (cluster.go's kubelet) and serves the
// canary's /metrics from captured fixtures on loopback. It writes its tables into
// docs/benchmarks.md between the bench-scale markers.
//
//	go run ./hack/benchscale                      # what `make bench-scale` runs
//	go run ./hack/benchscale --instances 100 --rollouts 20 --steady 20s --out /tmp/scale.md
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

// options are the knobs of a run; the defaults are the benchmark.
type options struct {
	instances      []int
	replicas       int
	rollouts       int
	steady         time.Duration
	settle         time.Duration
	interval       time.Duration
	healthyTimeout time.Duration
	rolloutTimeout time.Duration
	maxReconciles  int
	operatorArgs   []string
	out            string
	keepLogs       string
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	o := options{}
	fs := flag.NewFlagSet("benchscale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	instances := fs.String("instances", "100,300,1000", "Instance counts, one cold start each; the largest also runs the rollouts.")
	fs.IntVar(&o.replicas, "replicas", 4, "spec.replicas of every instance.")
	fs.IntVar(&o.rollouts, "rollouts", 100, "Instances of the largest run that roll out at once (0: none).")
	fs.DurationVar(&o.steady, "steady", time.Minute, "Length of the steady-state window after every instance is Healthy.")
	fs.DurationVar(&o.settle, "settle", 10*time.Second, "Wait between the last instance turning Healthy and the steady window.")
	fs.DurationVar(&o.interval, "interval", 5*time.Second, "spec.rollout.analysis.interval of the rolling instances.")
	fs.DurationVar(&o.healthyTimeout, "healthy-timeout", 5*time.Minute, "Give up when not every instance is Healthy after this long.")
	fs.DurationVar(&o.rolloutTimeout, "rollout-timeout", 5*time.Minute, "Give up when the rollouts have not ended after this long.")
	fs.IntVar(&o.maxReconciles, "max-concurrent-reconciles", 0, "Passed to the operator when > 0 (default: the operator's own default).")
	opArgs := fs.String("operator-args", "", "Extra operator flags, space-separated.")
	fs.StringVar(&o.out, "out", "docs/benchmarks.md", `Markdown file whose bench-scale section is rewritten ("-": print the section).`)
	fs.StringVar(&o.keepLogs, "logs", "", "Folder to keep the operator's logs in (default: a temporary folder, removed).")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, f := range strings.Split(*instances, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("--instances: %q is not a positive count", f)
		}
		o.instances = append(o.instances, n)
	}
	if o.replicas < 1 {
		return o, fmt.Errorf("--replicas %d: want at least 1", o.replicas)
	}
	largest := 0
	for _, n := range o.instances {
		largest = max(largest, n)
	}
	if o.rollouts < 0 || o.rollouts > largest {
		return o, fmt.Errorf("--rollouts %d: want 0 to the largest instance count (%d)", o.rollouts, largest)
	}
	if o.interval < 5*time.Second {
		return o, fmt.Errorf("--interval %s: the CRD's minimum is 5s", o.interval)
	}
	if *opArgs != "" {
		o.operatorArgs = strings.Fields(*opArgs)
	}
	if o.maxReconciles > 0 {
		o.operatorArgs = append(o.operatorArgs, "--max-concurrent-reconciles="+strconv.Itoa(o.maxReconciles))
	}
	return o, nil
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	// envtest and the benchmark's own cache and clients log nothing worth reading.
	ctrllog.SetLogger(logr.Discard())
	dir, err := os.MkdirTemp("", "benchscale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	logs := o.keepLogs
	if logs == "" {
		logs = dir
	} else if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	fmt.Fprintln(stderr, "building the operator")
	bin, err := buildOperator(ctx, dir)
	if err != nil {
		return err
	}
	res := results{Replicas: o.replicas, Steady: o.steady, Interval: o.interval, Started: time.Now().UTC(),
		OperatorArgs: strings.Join(o.operatorArgs, " "), Machine: describeMachine()}
	largest := 0
	for _, n := range o.instances {
		largest = max(largest, n)
	}
	for _, n := range o.instances {
		rollouts := 0
		if n == largest {
			rollouts = o.rollouts
		}
		fmt.Fprintf(stderr, "run: %d instances, %d rollouts\n", n, rollouts)
		r, err := runScale(ctx, o, bin, dir, logs, n, rollouts, stderr)
		if err != nil {
			return fmt.Errorf("%d instances: %w", n, err)
		}
		res.Runs = append(res.Runs, r)
	}
	return writeReport(o.out, res)
}
