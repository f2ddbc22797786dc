package plugin

import (
	"github.com/spf13/cobra"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// The promote, abort and retry commands set an annotation the operator acts on and then
// removes; they refuse when the rollout is in no state to act on it.

func newPromoteCommand(a *app) *cobra.Command {
	var full bool
	cmd := &cobra.Command{
		Use:   "promote NAME",
		Short: "Skip the canary to its next step, or with --full make it stable at once",
		Long: `Sets the annotation ` + iapiv1alpha1.AnnotationPromote + ` to "next" (default) or "full".
"next" ends the current step as if its analyses had passed; "full" promotes the canary
to stable at once, skipping the remaining steps. The InterviewAPI must have a canary.`,
		Args:              exactlyOneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			value := promoteNext
			if full {
				value = promoteFull
			}
			obj, err := a.annotate(cmd, args[0], iapiv1alpha1.AnnotationPromote, value, func(o *iapiv1alpha1.InterviewAPI) error {
				return checkCanRollForward(o, "promote")
			})
			if err != nil {
				return err
			}
			a.println(promoteMessage(obj, full))
			return nil
		},
	}
	cmd.Flags().BoolVar(&full, "full", false, "promote the canary to stable at once, skipping the remaining steps")
	return cmd
}

func newAbortCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "abort NAME",
		Short: "Scale the canary to 0 and keep the stable revision",
		Long: `Sets the annotation ` + iapiv1alpha1.AnnotationAbort + `. The operator scales the canary to 0
at once and records the revision as Aborted; it is not rolled out again until the spec
changes or you run "kubectl interviewapi retry". The InterviewAPI must have a canary.`,
		Args:              exactlyOneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			obj, err := a.annotate(cmd, args[0], iapiv1alpha1.AnnotationAbort, annotationRequested, func(o *iapiv1alpha1.InterviewAPI) error {
				return checkCanRollForward(o, "abort")
			})
			if err != nil {
				return err
			}
			a.println(abortMessage(obj))
			return nil
		},
	}
}

func newRetryCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "retry NAME",
		Short: "Roll the rolled-back, aborted or paused-by-failure revision out again",
		Long: `Sets the annotation ` + iapiv1alpha1.AnnotationRetry + `. The operator starts the rollout of
the spec's revision again from the first step, with fresh analysis counters. The
InterviewAPI must be RolledBack, Degraded, or paused by its analyses.`,
		Args:              exactlyOneName,
		ValidArgsFunction: a.completeName,
		RunE: func(cmd *cobra.Command, args []string) error {
			obj, err := a.annotate(cmd, args[0], iapiv1alpha1.AnnotationRetry, annotationRequested, checkCanRetry)
			if err != nil {
				return err
			}
			a.println(retryMessage(obj))
			return nil
		},
	}
}

// annotate reads the instance, checks it can take the request, and sets the annotation.
func (a *app) annotate(cmd *cobra.Command, name, key, value string, check func(*iapiv1alpha1.InterviewAPI) error) (*iapiv1alpha1.InterviewAPI, error) {
	in, obj, err := a.get(cmd.Context(), name)
	if err != nil {
		return nil, err
	}
	if err := check(obj); err != nil {
		return nil, err
	}
	patch, err := annotationPatch(key, value)
	if err != nil {
		return nil, err
	}
	return in.mergePatch(cmd.Context(), name, patch)
}
