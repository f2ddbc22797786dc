package plugin

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newRecommendCommand(a *app) *cobra.Command {
	var apply bool
	cmd := &cobra.Command{
		Use:   "recommend NAME",
		Short: "Explain the pool advice of status.recommendation, or apply it with --apply",
		Long: `Prints the pool size and overflow per pod the operator advises from what it measured
of the pods' pools (status.recommendation), beside the pool the spec asks for, and what the
advice rests on: the measured window, its acquires, the arrival rate λ, the hold time W,
the connections in use L = λ·W (Little's law), their 99th percentile, and whether the
pool was saturated or the advice cut to spec.database.maxServerConnections.

--apply merge-patches spec.database.pool.size and maxOverflow to the advice, on the
resourceVersion the advice was read from; the operator then rolls the new pool out as a
canary and judges it like any change. It refuses while a rollout runs, when the advice
is of another engine than the spec, and when the advised pool with a rollout's surge pod
would not fit maxServerConnections.`,
		Example: `  kubectl interviewapi recommend interview-api
  kubectl interviewapi recommend interview-api --apply`,
		Args:              exactlyOneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			in, obj, err := a.get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !apply {
				fmt.Fprint(a.out, renderRecommendation(obj, a.now()))
				return nil
			}
			patch, done, err := recommendationPatch(obj)
			if err != nil {
				return err
			}
			if done {
				a.println(fmt.Sprintf("interviewapi %s already runs the advised pool %s: nothing to apply", obj.Name, poolOf(obj.Spec.Database.Pool)))
				return nil
			}
			patched, err := in.mergePatch(cmd.Context(), args[0], patch)
			if err != nil {
				return err
			}
			a.println(appliedMessage(obj, patched))
			return nil
		},
	}
	cmd.Flags().BoolVar(&apply, "apply", false, "Patch spec.database.pool to the advice; the operator rolls it out as a canary.")
	return cmd
}
