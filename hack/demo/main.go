// Command demo shows the whole product working on this machine, without a cluster or
// Docker: `make demo` runs it from the repository.
//
// It starts the local cluster (test/localcluster: Kubernetes on loopback, pods as
// local processes, a throwaway PostgreSQL) in .demo/, runs the operator against it as a
// local process (like `make run`, log in .demo/operator.log), applies the sample
// InterviewAPI in sync mode with a rollout sized for a demo, and sends steady load
// through the Service. Then, with kubectl as a user would:
//
//  1. enables async mode and shows the canary rollout live (step, weight, every
//     analysis' values against their thresholds) until it is promoted;
//  2. applies a pool too small for a burst of traffic and shows the analysis fail and
//     the operator roll the canary back by itself, with the reason;
//  3. patches async off and shows it applied at once, without a canary.
//
// It ends with commands to look around and keeps everything up until Ctrl-C (or exits
// at once when DEMO_EXIT=1), then stops every process it started.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/interviewapi/operator/test/localcluster"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	fs := flag.NewFlagSet("demo", flag.ExitOnError)
	node := fs.String("node", "auto", "the local cluster's node: real (kubelet, containerd, kube-proxy; root), process (pods as local processes) or auto (real when this machine can run it)")
	_ = fs.Parse(os.Args[1:])
	kind, err := localcluster.ParseNodeKind(*node)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(2)
	}
	err = run(ctx, os.Getenv("DEMO_EXIT") == "1", kind)
	stop()
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

// repoRoot is the repository the demo runs in, found as the local cluster finds it.
func repoRoot() (string, error) {
	root, err := localcluster.RepoRoot()
	if err != nil {
		return "", fmt.Errorf("run the demo from inside the repository (make demo): %w", err)
	}
	return root, nil
}
