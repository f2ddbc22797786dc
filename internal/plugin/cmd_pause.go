package plugin

import (
	"github.com/spf13/cobra"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// newPauseCommand builds `pause` (paused=true) or `resume` (paused=false); both set
// spec.paused.
func newPauseCommand(a *app, paused bool) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pause NAME",
		Short: "Stop the rollout where it is (spec.paused=true)",
		Long: `Sets spec.paused to true: no step advances and no analysis runs, the canary keeps its
weight. "kubectl interviewapi resume" continues from the same step.`,
	}
	message := pauseMessage
	if !paused {
		cmd.Use = "resume NAME"
		cmd.Short = "Continue a paused rollout (spec.paused=false)"
		cmd.Long = `Sets spec.paused to false: the rollout continues from the step it was paused at.`
		message = resumeMessage
	}
	cmd.Args = exactlyOneName
	cmd.ValidArgsFunction = a.completeName
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		in, obj, err := a.get(cmd.Context(), args[0])
		if err != nil {
			return err
		}
		if obj.Spec.Paused == paused {
			a.println(message(obj, false))
			return nil
		}
		patch, err := pausedPatch(paused)
		if err != nil {
			return err
		}
		var patched *iapiv1alpha1.InterviewAPI
		if patched, err = in.mergePatch(cmd.Context(), args[0], patch); err != nil {
			return err
		}
		a.println(message(patched, true))
		return nil
	}
	return cmd
}
