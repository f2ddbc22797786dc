// Package plugin is the kubectl plugin `kubectl interviewapi`: it shows the rollout of an
// InterviewAPI (steps, weight, last analysis, history) and steers it (promote, abort,
// retry, pause, resume, rollback) through the annotations and spec fields the operator
// watches, and explains the pool size the operator advises (recommend, --apply rolls it
// out). Output is built by pure render functions; only instances talks to the API
// server.
package plugin

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// Run executes the plugin with the given arguments (without the program name) and
// returns the process exit code: 0 on success, 1 on any error, which it prints to errOut.
func Run(ctx context.Context, args []string, out, errOut io.Writer) int {
	return run(ctx, args, out, errOut, time.Now)
}

// run is Run with the clock ages are counted with.
func run(ctx context.Context, args []string, out, errOut io.Writer, now func() time.Time) int {
	root := NewRootCommand(out, errOut, now)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintf(errOut, "error: %v\n", err)
		return 1
	}
	return 0
}

// app is what every command shares: the cluster flags, the output and the clock.
type app struct {
	kube *kubeFlags
	out  io.Writer
	now  func() time.Time
}

// NewRootCommand builds the command tree; now is the clock ages are counted with.
func NewRootCommand(out, errOut io.Writer, now func() time.Time) *cobra.Command {
	a := &app{kube: newKubeFlags(), out: out, now: now}
	root := &cobra.Command{
		Use:   "kubectl-interviewapi",
		Short: "Watch and steer the canary rollouts of InterviewAPI resources",
		Long: `kubectl interviewapi shows the rollout of an InterviewAPI (its steps, canary weight,
last pool-health analysis, the analyses of the rollout, conditions and history) and steers it: promote, abort,
retry, pause, resume, and rollback to the previous promoted database revision. It explains the
pool size the operator advises from the measured load, and applies it as a canary.`,
		Example: `  # Follow a rollout step by step, for at most 10 minutes
  kubectl interviewapi status interview-api --watch --timeout 10m

  # Skip the current step, or promote the canary at once
  kubectl interviewapi promote interview-api
  kubectl interviewapi promote interview-api --full

  # Stop the canary, or start a rolled-back revision again
  kubectl interviewapi abort interview-api
  kubectl interviewapi retry interview-api

  # Why the canary passed or failed: each analysis, canary against stable
  kubectl interviewapi analyses interview-api

  # Return to the previous promoted mode and pool (e.g. async back to sync)
  kubectl interviewapi history interview-api
  kubectl interviewapi rollback interview-api -n production

  # The pool size the measured load needs, and a canary of it
  kubectl interviewapi recommend interview-api
  kubectl interviewapi recommend interview-api --apply`,
		Annotations: map[string]string{
			// Help and errors then say "kubectl interviewapi", the way users call it.
			cobra.CommandDisplayNameAnnotation: "kubectl interviewapi",
		},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	a.kube.bind(root.PersistentFlags())
	root.AddCommand(
		newStatusCommand(a),
		newPromoteCommand(a),
		newAbortCommand(a),
		newRetryCommand(a),
		newPauseCommand(a, true),
		newPauseCommand(a, false),
		newHistoryCommand(a),
		newAnalysesCommand(a),
		newRollbackCommand(a),
		newRecommendCommand(a),
		newVersionCommand(a),
	)
	return root
}

// instances connects to the cluster of the kubeconfig flags.
func (a *app) instances() (*instances, error) {
	cfg, err := a.kube.restConfig()
	if err != nil {
		return nil, err
	}
	ns, err := a.kube.namespace()
	if err != nil {
		return nil, err
	}
	return newInstances(cfg, ns)
}

// get connects and reads the named InterviewAPI.
func (a *app) get(ctx context.Context, name string) (*instances, *iapiv1alpha1.InterviewAPI, error) {
	in, err := a.instances()
	if err != nil {
		return nil, nil, err
	}
	obj, err := in.get(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	return in, obj, nil
}

func (a *app) println(line string) {
	fmt.Fprintln(a.out, line)
}

// exactlyOneName accepts one argument that can be the name of an InterviewAPI.
func exactlyOneName(cmd *cobra.Command, args []string) error {
	switch {
	case len(args) == 0:
		return fmt.Errorf("missing NAME of the InterviewAPI; usage: %s", cmd.UseLine())
	case len(args) > 1:
		return fmt.Errorf("%s takes one NAME, got %d arguments %q; usage: %s", cmd.Name(), len(args), args, cmd.UseLine())
	}
	if errs := validation.IsDNS1123Subdomain(args[0]); len(errs) > 0 {
		return fmt.Errorf("%q is not a valid InterviewAPI name: %s", args[0], errs[0])
	}
	return nil
}

// completeName offers the InterviewAPIs of the namespace to shell completion, which
// kubectl forwards to plugins through a kubectl_complete-interviewapi script.
func (a *app) completeName(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	in, err := a.instances()
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	names, err := in.names(cmd.Context())
	if err != nil {
		return nil, cobra.ShellCompDirectiveError
	}
	var matches []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, toComplete) {
			matches = append(matches, n)
		}
	}
	return matches, cobra.ShellCompDirectiveNoFileComp
}
