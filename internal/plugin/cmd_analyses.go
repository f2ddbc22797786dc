package plugin

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newAnalysesCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "analyses NAME",
		Short: "List the latest analyses of the current rollout (status.analyses)",
		Long: `Lists status.analyses oldest first (at most 10): for each analysis its time, step,
judge and verdict with its reason, then each check with the canary's value, the stable
pods' value over the same seconds, the effect (canary against stable), the always-valid
p-value against its share of the error budget, the sample sizes and the check's verdict.
Early marks a failure the Compare judge decided between analyses; dry-run checks are
recorded, never acted on.`,
		Args:              exactlyOneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, obj, err := a.get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprint(a.out, renderAnalyses(obj, a.now()))
			return nil
		},
	}
}
