package controllers

import (
	"context"
	"time"

	appsv1ac "k8s.io/client-go/applyconfigurations/apps/v1"

	"github.com/interviewapi/operator/internal/rollout"
)

// plan decides what each Deployment runs and what the status becomes: the rollout
// engine's decision (rollout.Decide) from the instance, its observed Deployments and
// the time. When the decision asks for an analysis of the canary, the analysis is
// taken now and the engine decides again on the same input with its result, so that
// a failing analysis and the rollback it causes are one pass.
//
// The decision is rendered into Deployments before anything is recorded: a decision
// that cannot be rendered leaves the pass with no plan, so the status is not written
// with it, its control annotations stay and its Events are not sent (the failure is
// reported on the previous status). When the render changes NAME-stable, the engine
// decides once more knowing it (rollout.Input.StableChanging), which changes only the
// status it reports, not the Deployments.
func (r *InterviewAPIReconciler) plan(ctx context.Context, p *pass) error {
	in := rollout.Input{
		Instance: p.instance,
		Stable:   rollout.Observe(p.stable),
		Canary:   rollout.Observe(p.canary),
		Now:      p.clockNow,
	}
	p.input = in
	decision := rollout.Decide(in)
	var retry time.Duration
	if req := decision.Analysis; req != nil {
		result, wait, err := r.analyse(ctx, p, req)
		if err != nil {
			return err
		}
		if result != nil {
			in.Analysis = result
			decision = rollout.Decide(in)
		} else {
			// No complete window yet: look again when there will be one.
			retry = wait
			if retry <= 0 {
				retry = req.Interval
			}
			if !req.Sample {
				// The look was the analysis itself (a baseline): so is the next.
				p.analysisAfter = retry
			}
		}
	}
	if check := r.checkNotifications(ctx, p, decision); check != nil {
		in.Notifications = check
		decision = rollout.Decide(in)
	}
	desired, err := render(p.instance, decision)
	if err != nil {
		return err
	}
	if in.StableChanging, err = changes(p.stable, p.stable != nil, appsv1ac.ExtractDeployment, desired.stable); err != nil {
		return err
	}
	if in.StableChanging {
		decision = rollout.Decide(in)
	}
	// Only one analysis per pass: one still due is taken by the next pass, which the
	// decision's RequeueAfter schedules.
	decision.Analysis = nil

	p.input = in
	p.plan = decision
	if decision.Status.Canary == nil && r.AdviceInterval <= 0 {
		// No canary to measure: what the source kept for this instance's analyses
		// (a scraping source's baselines) is of no use to a later rollout, whose
		// windows start after it begins. With steady-state samples for the pool
		// advice the source keeps the stable pods' baselines instead (one per pod,
		// replacing the canary's: a scraping source keeps only the pods it was last
		// asked about), until the instance goes.
		r.Sources.Forget(p.instance.Namespace, p.instance.Name)
	}
	p.status = *decision.Status.DeepCopy()
	p.desiredStable, p.desiredCanary = desired.stable, desired.canary
	p.result.RequeueAfter = earliest(decision.RequeueAfter, retry)
	p.analysisAfter = earliest(p.analysisAfter, decision.AnalysisAfter)
	return nil
}

// earliest is the sooner of two requeue delays, where 0 means none.
func earliest(a, b time.Duration) time.Duration {
	switch {
	case a <= 0:
		return b
	case b <= 0:
		return a
	}
	return min(a, b)
}
