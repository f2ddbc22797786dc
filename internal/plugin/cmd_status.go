package plugin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

func newStatusCommand(a *app) *cobra.Command {
	var (
		follow  bool
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "status NAME",
		Short: "Show the rollout: revisions, steps, canary weight, last analysis, conditions",
		Long: `Shows the phase and mode of an InterviewAPI, its stable and canary database revisions,
the rollout steps with the current one marked, the canary weight, ready replicas, the
last pool-health analysis as a table (metric, value, threshold, verdict) and the
conditions. With --watch it prints the status again after every change until Ctrl-C or
--timeout.`,
		Args:              exactlyOneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout != 0 && !follow {
				return errors.New("--timeout is only meaningful with --watch")
			}
			if timeout < 0 {
				return fmt.Errorf("--timeout must not be negative, got %s", timeout)
			}
			in, err := a.instances()
			if err != nil {
				return err
			}
			if !follow {
				obj, err := in.get(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				fmt.Fprint(a.out, renderStatus(obj, a.now()))
				return nil
			}
			return a.watchStatus(cmd.Context(), in, args[0], timeout)
		},
	}
	cmd.Flags().BoolVarP(&follow, "watch", "w", false, "print the status again after every change")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "with --watch, stop watching after this long (0: until Ctrl-C)")
	return cmd
}

// watchStatus prints the status now and after each change, a blank line between them.
func (a *app) watchStatus(ctx context.Context, in *instances, name string, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	printed := false
	w := &instanceWatch{in: in, name: name, emit: func(obj *iapiv1alpha1.InterviewAPI) {
		if printed {
			fmt.Fprintln(a.out)
		}
		printed = true
		fmt.Fprint(a.out, renderStatus(obj, a.now()))
	}}
	return w.run(ctx)
}
