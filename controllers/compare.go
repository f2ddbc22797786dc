package controllers

import (
	"context"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/judge"
	"github.com/interviewapi/operator/internal/poolhealth"
	"github.com/interviewapi/operator/internal/rollout"
)

// compareJudges keeps the Compare judge of each instance's rollout in progress: its
// sequential evidence lives between the samples of a step and from one step to the
// next. It is memory only. An operator that restarts starts the evidence afresh, which
// costs a few samples and one more look at the bound (docs/rollouts.md).
type compareJudges struct {
	mu     sync.Mutex
	judges map[types.NamespacedName]*rolloutJudge
}

// rolloutJudge is one rollout's judge and what tells it apart from the next rollout.
// Its lock is held for a whole look: a look that overran the analysis deadline may
// still be running when the next pass takes another.
type rolloutJudge struct {
	mu             sync.Mutex
	canary, stable string
	step           int32
	since          time.Time
	seq            *judge.Sequence
	// pods are the pods the step's latest listing found (compareJudges.keepPods),
	// guarded by the compareJudges' lock.
	pods *listedPods
}

// listedPods are the ready pods of both tracks a look of one step listed.
type listedPods struct {
	step           int32
	since          time.Time
	canary, stable []poolhealth.Pod
}

// look shows the rollout's judge one look.
func (j *rolloutJudge) look(l judge.Look) judge.Verdict {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.seq.Look(l)
}

// sequence returns the judge of the rollout a request belongs to, starting a new one
// for a new rollout: other revisions, an earlier step (a rollout started again), or
// the same step started again (a retry).
func (c *compareJudges) sequence(key types.NamespacedName, req *rollout.AnalysisRequest, cfg judge.Config) *rolloutJudge {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.judges == nil {
		c.judges = map[types.NamespacedName]*rolloutJudge{}
	}
	j := c.judges[key]
	if j == nil || j.canary != req.Canary.Revision || j.stable != req.Stable.Revision || req.Step < j.step ||
		(req.Step == j.step && !req.Since.Equal(j.since)) {
		j = &rolloutJudge{canary: req.Canary.Revision, stable: req.Stable.Revision, seq: judge.NewSequence(cfg)}
		c.judges[key] = j
	}
	j.step, j.since = req.Step, req.Since
	return j
}

// samplePods returns the pods the latest listing of the request's step found, for a
// sample to measure again: the samples between two analyses do not list the pods at
// every sampleInterval, since with many rollouts at once those lists are most of the
// API server's work (docs/benchmarks.md, "Operator at scale"). The step's first look and
// every analysis list them afresh, so a pod that became ready since is measured from
// the next analysis on; one that went away fails the sample's measurement, which drops
// the list (dropPods) so that the next sample lists again.
func (c *compareJudges) samplePods(key types.NamespacedName, req *rollout.AnalysisRequest) (canary, stable []poolhealth.Pod, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	j := c.judges[key]
	if j == nil || j.pods == nil || j.canary != req.Canary.Revision || j.stable != req.Stable.Revision ||
		j.pods.step != req.Step || !j.pods.since.Equal(req.Since) {
		return nil, nil, false
	}
	return j.pods.canary, j.pods.stable, true
}

// keepPods keeps the pods a look of the request's step listed, for its samples; a
// listing without canary pods is not kept.
func (c *compareJudges) keepPods(key types.NamespacedName, req *rollout.AnalysisRequest, canary, stable []poolhealth.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	j := c.judges[key]
	if j == nil || len(canary) == 0 || j.canary != req.Canary.Revision || j.stable != req.Stable.Revision ||
		j.step != req.Step || !j.since.Equal(req.Since) {
		return
	}
	j.pods = &listedPods{step: req.Step, since: req.Since, canary: canary, stable: stable}
}

// dropPods forgets the pods kept for an instance's samples.
func (c *compareJudges) dropPods(key types.NamespacedName) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if j := c.judges[key]; j != nil {
		j.pods = nil
	}
}

// forget drops an instance's judge.
func (c *compareJudges) forget(key types.NamespacedName) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.judges, key)
}

// compare takes a look of the Compare judge: it measures the step's totals of both
// tracks so far and shows them to the rollout's judge. At a sample (no analysis due)
// it returns a result only for a failure the sequential tests decided, to be acted on
// at once; otherwise nil and when to look again. At an analysis it returns the full
// verdict.
func (r *InterviewAPIReconciler) compare(ctx context.Context, p *pass, req *rollout.AnalysisRequest, src poolhealth.Source, q poolhealth.Query, criteria poolhealth.Criteria) (*iapiv1alpha1.AnalysisResult, time.Duration) {
	in := p.instance
	log := logf.FromContext(ctx)
	a := in.Spec.Rollout.Analysis
	sampleInterval := a.SampleIntervalOrDefault()
	q.FromSince, q.Interval = true, sampleInterval

	quarantine := max(req.Canary.Pool.TimeoutOrDefault(), req.Stable.Pool.TimeoutOrDefault())
	cfg := judge.ConfigFor(a, criteria, comparedSteps(in), quarantine)
	// The rollout's judge is found (or started, for a new step) before the first look
	// is measured, so that the step's first listing of its pods is kept for its
	// samples (keepPods) even when that look only takes a baseline.
	seq := r.judges.sequence(types.NamespacedName{Namespace: in.Namespace, Name: in.Name}, req, cfg)

	began := time.Now()
	m, err := src.Measure(ctx, q)
	if err != nil {
		if req.Sample {
			log.V(1).Info("a sample of the canary could not be measured; the analysis will tell", "error", err.Error())
			r.judges.dropPods(types.NamespacedName{Namespace: in.Namespace, Name: in.Name})
			return nil, sampleInterval
		}
		return &iapiv1alpha1.AnalysisResult{
			Time:    metav1.NewTime(p.clockNow),
			Verdict: iapiv1alpha1.VerdictInconclusive,
			Judge:   iapiv1alpha1.JudgeCompare,
			Message: fmt.Sprintf("could not measure the canary: %v", err),
		}, 0
	}
	if m.Pending {
		return nil, m.RetryAfter
	}
	look := judge.Look{Step: req.Step, Time: p.clockNow, Canary: judge.TrackOf(m.CanaryDelta), Analysis: !req.Sample}
	switch {
	case m.StableDelta != nil:
		look.Stable = judge.TrackOf(*m.StableDelta)
	case len(q.Stable) > 0:
		// Stable pods that could not be measured are not "no stable pods": with
		// nothing to compare, a canary above a ceiling might share their fault.
		look.Stable = judge.Track{Pods: len(q.Stable), Gaps: []string{"the stable pods could not be measured"}}
	}
	v := seq.look(look)
	r.Metrics.Sampled(in.Namespace, in.Name, time.Since(began))

	if v.SharedFault && look.Analysis {
		r.Metrics.SharedFault(in.Namespace, in.Name)
		log.Info("analysis inconclusive: the stable pods degraded alike", "step", req.Step, "reason", v.Message)
	}
	if req.Sample && v.Verdict != iapiv1alpha1.VerdictFail {
		return nil, sampleInterval
	}
	if v.Decisive {
		r.Metrics.EarlyFailure(in.Namespace, in.Name)
		log.Info("the Compare judge failed the canary between analyses", "step", req.Step, "reason", v.Message)
	}
	res := judge.Result(v, p.clockNow)
	return &res, 0
}

// comparedSteps is how many of the instance's steps have stable pods beside the
// canary (weight below 100): the Compare judge shares its error budget among them.
func comparedSteps(in *iapiv1alpha1.InterviewAPI) int {
	steps := in.Spec.Rollout.Steps
	if len(steps) == 0 {
		steps = iapiv1alpha1.DefaultRolloutSteps()
	}
	n := 0
	for _, s := range steps {
		if s.Weight < 100 {
			n++
		}
	}
	return max(n, 1)
}
