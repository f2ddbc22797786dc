package controllers

import (
	"context"
	"time"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/rollout"
)

// plan decides what each Deployment runs and what the status becomes: the rollout
// engine's decision (rollout.Decide) from the instance, its observed Deployments and
// the time. When the decision asks for an analysis of the canary, the analysis is
// taken now and the engine decides again on the same input with its result, so that
// a failing analysis and the rollback it causes are one pass. It then renders the
// Deployments the decision asks for.
func (r *InterviewAPIReconciler) plan(ctx context.Context, p *pass) error {
	in := rollout.Input{
		Instance: p.instance,
		Stable:   rollout.Observe(p.stable),
		Canary:   rollout.Observe(p.canary),
		Now:      p.clockNow,
	}
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
			// Only one analysis per pass: one still due is taken by the next pass,
			// which the decision's RequeueAfter schedules.
			decision.Analysis = nil
		} else {
			// No complete window yet: look again when there will be one.
			retry = wait
			if retry <= 0 {
				retry = req.Interval
			}
		}
	}
	p.plan = decision
	p.status = *decision.Status.DeepCopy()
	p.steady = decision.Status.Canary == nil && decision.Status.Phase == iapiv1alpha1.PhaseHealthy
	p.result.RequeueAfter = earliest(decision.RequeueAfter, retry)
	return r.render(p)
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
