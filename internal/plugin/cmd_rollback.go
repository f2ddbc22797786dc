package plugin

import (
	"github.com/spf13/cobra"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

func newRollbackCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "rollback NAME",
		Short: "Set the spec back to the previous promoted database revision",
		Long: `Merge-patches spec.database.async and spec.database.pool to the newest revision in
status.history that ran as stable (Promoted, Initial or FastRollback) and is not the
current stable revision. Within spec.rollout.rollbackWindow the operator applies such a
revision at once, without canary steps; this is the runbook's
"set ASYNC_DATABASE_ENABLED=false" done as one command.`,
		Args:              exactlyOneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			in, obj, err := a.get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			target, err := findRollbackTarget(obj)
			if err != nil {
				return err
			}
			if obj.Spec.DesiredRevision().Revision == iapiv1alpha1.RevisionHash(target.entry.Async, target.entry.Pool) {
				a.println(rollbackMessage(obj, target, false))
				return nil
			}
			patch, err := databasePatch(target.entry.Async, target.entry.Pool)
			if err != nil {
				return err
			}
			patched, err := in.mergePatch(cmd.Context(), args[0], patch)
			if err != nil {
				return err
			}
			a.println(rollbackMessage(patched, target, true))
			return nil
		},
	}
}
