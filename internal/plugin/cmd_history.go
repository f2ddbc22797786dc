package plugin

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newHistoryCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "history NAME",
		Short: "List how past rollouts ended (status.history)",
		Long: `Lists status.history oldest first: each database revision (mode and pool), how its
rollout ended (Initial, Promoted, RolledBack, Aborted, FastRollback), when and why,
followed by the stable revision and the revision "kubectl interviewapi rollback" would
return to.`,
		Args:              exactlyOneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, obj, err := a.get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fmt.Fprint(a.out, renderHistory(obj, a.now()))
			return nil
		},
	}
}
