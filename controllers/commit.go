package controllers

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// eventAction is the action of the Events the rollout engine asks for.
const eventAction = "Rollout"

// commit records the pass's decision before any Deployment changes: it removes the
// control annotations the decision consumed, writes the status, and then records the
// decision's Events and metrics. The status is the rollout's whole memory, so a pass
// that crashes after this point is repeated from the same status and makes the same
// changes; one that crashes before it changed nothing.
//
// The annotations go first, with the resourceVersion the decision was made on: a
// control acts at most once. A crash between the two writes loses the request (the
// annotation is gone, the status unchanged, so the user sees it was not acted on and
// may set it again); the other order would act on it twice (a promote skipping two
// steps).
func (r *InterviewAPIReconciler) commit(ctx context.Context, p *pass) error {
	if err := r.consumeAnnotations(ctx, p); err != nil {
		return err
	}
	if err := r.updateStatus(ctx, p); err != nil {
		return err
	}
	p.recorded = true
	r.recordDecision(p)
	r.recordAdvice(p)
	r.notify(p)
	return nil
}

// consumeAnnotations removes the control annotations the decision acted on. The patch
// carries the resourceVersion the decision read, so it fails if the instance changed
// since; the instance the API server returns is the one the status is written on.
func (r *InterviewAPIReconciler) consumeAnnotations(ctx context.Context, p *pass) error {
	keys := p.plan.RemoveAnnotations
	if len(keys) == 0 {
		return nil
	}
	patched := p.instance.DeepCopy()
	for _, k := range keys {
		delete(patched.Annotations, k)
	}
	if err := r.Client.Patch(ctx, patched, client.MergeFromWithOptions(p.instance, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("remove the annotations %v: %w", keys, err)
	}
	p.instance = patched
	return nil
}

// recordDecision records the Events the decision asked for and counts what it did.
func (r *InterviewAPIReconciler) recordDecision(p *pass) {
	in := p.instance
	for _, e := range p.plan.Events {
		r.Recorder.Eventf(in, nil, e.Type, e.Reason, eventAction, "%s", e.Message)
	}
	m := p.plan.Metrics
	if m.AnalysisVerdict != "" {
		r.Metrics.AnalysisRecorded(in.Namespace, in.Name, m.AnalysisVerdict)
		r.recordChecks(p)
	}
	if m.RollbackReason != "" {
		r.Metrics.RolledBack(in.Namespace, in.Name, m.RollbackReason)
	}
	if m.Promoted {
		r.Metrics.Promoted(in.Namespace, in.Name)
	}
	if m.StepDuration > 0 {
		r.Metrics.StepCompleted(in.Namespace, in.Name, m.StepDuration)
	}
}

// recordChecks counts the checks of the analysis recorded in this pass, and tells in
// an Event which dry-run checks failed: their verdicts are not acted on, so nothing
// else would say so.
func (r *InterviewAPIReconciler) recordChecks(p *pass) {
	in, a := p.instance, p.status.LastAnalysis
	if a == nil {
		return
	}
	judge := string(a.Judge)
	if judge == "" {
		judge = string(iapiv1alpha1.JudgeThreshold)
	}
	var dry []string
	for _, c := range a.Metrics {
		r.Metrics.CheckRecorded(in.Namespace, in.Name, judge, c.Name, c.Verdict, c.DryRun)
		if c.DryRun && c.Verdict == iapiv1alpha1.VerdictFail {
			dry = append(dry, fmt.Sprintf("%s %s (stable %s)", c.Name, c.Value, c.Stable))
		}
	}
	if len(dry) > 0 {
		r.Recorder.Eventf(in, nil, corev1.EventTypeNormal, iapiv1alpha1.ReasonDryRunFailed, eventAction,
			"dry-run checks would have failed the canary (not acted on): %s", strings.Join(dry, "; "))
	}
}
