package controllers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/advice"
	"github.com/interviewapi/operator/internal/poolhealth"
	"github.com/interviewapi/operator/internal/rollout"
)

// DefaultAdviceInterval is how often the operator samples an instance's stable pods
// for the pool advice when no rollout runs (--advice-interval). One window a minute is
// twice the shortest window the advice accepts (advice.MinWindow), the scrape interval
// Prometheus is commonly run at, and a quarter of what an analysis costs at its
// default interval of 30s with two tracks: one GET /metrics per pod per minute, one
// pod list per instance per minute, and a status write only when the advice moves
// (advice.Next).
const DefaultAdviceInterval = time.Minute

// adviceWindow is what one measured window said of one track's pods, which ran pool.
type adviceWindow struct {
	track    string
	pool     iapiv1alpha1.PoolSpec
	measures poolhealth.Measures
}

// adviceTap is the metric source of an analysis, which also keeps every window it
// returned for the pool advice: the windows a rollout measures feed the advice like the
// steady-state samples. The analysis may still run after its pass gave up on it (a
// source that does not heed its deadline), hence the lock.
type adviceTap struct {
	poolhealth.Source
	canaryPool, stablePool iapiv1alpha1.PoolSpec

	mu      sync.Mutex
	windows []adviceWindow
}

// Measure implements poolhealth.Source.
func (t *adviceTap) Measure(ctx context.Context, q poolhealth.Query) (poolhealth.Measurement, error) {
	m, err := t.Source.Measure(ctx, q)
	if err != nil || m.Pending {
		return m, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.windows = append(t.windows, adviceWindow{track: iapiv1alpha1.TrackCanary, pool: t.canaryPool, measures: m.Canary})
	if m.Stable != nil {
		t.windows = append(t.windows, adviceWindow{track: iapiv1alpha1.TrackStable, pool: t.stablePool, measures: *m.Stable})
	}
	return m, nil
}

// taken are the windows measured so far; none for a nil tap.
func (t *adviceTap) taken() []adviceWindow {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]adviceWindow(nil), t.windows...)
}

// adviceSchedule is when each instance's stable pods are next due to be sampled, so
// that a pass caused by something else (a Deployment's status) lists no pods. One
// time per instance that has been sampled; the entry goes with the instance.
type adviceSchedule struct {
	mu  sync.Mutex
	due map[types.NamespacedName]time.Time
}

func (s *adviceSchedule) wait(key types.NamespacedName, now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.due[key].Sub(now)
}

func (s *adviceSchedule) set(key types.NamespacedName, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.due == nil {
		s.due = map[types.NamespacedName]time.Time{}
	}
	s.due[key] = at
}

func (s *adviceSchedule) forget(key types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.due, key)
}

// advise turns the windows this pass measured into status.recommendation: those of
// the rollout's analysis, and when no rollout runs, a sample of the stable pods every
// AdviceInterval. The advice is of the spec's engine and rests on the window with the
// most acquires; advice.Next decides whether it replaces the stored one. Advice never
// fails a pass: a window that cannot be measured is logged and tried again.
func (r *InterviewAPIReconciler) advise(ctx context.Context, p *pass) {
	in := p.instance
	windows := p.tap.taken()
	if r.AdviceInterval > 0 && p.status.Canary == nil && p.status.Stable != nil {
		w, retry := r.sampleSteady(ctx, p)
		windows = append(windows, w...)
		p.result.RequeueAfter = earliest(p.result.RequeueAfter, retry)
	}
	if len(windows) == 0 {
		return
	}
	mode := iapiv1alpha1.ModeName(in.Spec.Database.Async.Enabled)
	budget := advice.Budget{Replicas: in.Spec.ReplicasOrDefault(), MaxServerConnections: in.Spec.Database.MaxServerConnections}
	var best *iapiv1alpha1.PoolRecommendation
	var bestAcquires float64
	var why error
	for _, w := range windows {
		s, err := advice.SampleOf(w.measures, w.pool)
		if err == nil && s.Mode != mode {
			err = fmt.Errorf("the %s pods ran %s, the spec asks for %s", w.track, s.Mode, mode)
		}
		var a advice.Advice
		if err == nil {
			a, err = advice.Recommend(s, budget)
		}
		if err != nil {
			why = errors.Join(why, fmt.Errorf("%s: %w", w.track, err))
			continue
		}
		if best == nil || s.Acquires > bestAcquires {
			rec := a.Status(p.clockNow, w.track, w.pool)
			best, bestAcquires = &rec, s.Acquires
		}
	}
	next := advice.None(p.clockNow, mode, why)
	if best != nil {
		next = *best
	}
	fits := func(size, overflow int32) bool {
		return rollout.PoolFits(budget.MaxServerConnections, budget.Replicas, iapiv1alpha1.PoolSpec{Size: size, MaxOverflow: &overflow})
	}
	rec, changed := advice.Next(p.status.Recommendation, next, fits)
	if !changed {
		return
	}
	logf.FromContext(ctx).Info("pool advice changed", "reason", rec.Reason)
	p.status.Recommendation = rec
	// A phase failing after the status is written reports on the decision's status:
	// it carries the advice too, so the failure does not take it back.
	p.plan.Status.Recommendation = rec.DeepCopy()
	p.adviceChanged = true
}

// sampleSteady measures the stable pods over the latest AdviceInterval, through the
// instance's metric source as an analysis does, when a sample is due. It returns the
// window, if one is complete, and when to look again.
func (r *InterviewAPIReconciler) sampleSteady(ctx context.Context, p *pass) ([]adviceWindow, time.Duration) {
	in, log := p.instance, logf.FromContext(ctx)
	key := types.NamespacedName{Namespace: in.Namespace, Name: in.Name}
	if wait := r.advice.wait(key, p.clockNow); wait > 0 {
		return nil, wait
	}
	interval := r.AdviceInterval
	if p.status.ReadyReplicas == 0 {
		// Nothing to sample, nor to list, until pods are ready, which their
		// Deployment's status tells by a pass of its own.
		return nil, 0
	}
	_, stable, err := r.readyPods(ctx, in, "", p.status.Stable.Revision)
	switch {
	case err != nil:
		log.V(1).Info("no pool advice sample: the stable pods could not be listed", "error", err.Error())
		return nil, interval
	case len(stable) == 0:
		// Ready replicas, yet no ready pod of the stable revision to list: the next
		// look waits an interval, and no pass is requeued for it, so an instance
		// whose pods never show costs one list per interval at most, and only when
		// something else brings a pass.
		r.advice.set(key, p.clockNow.Add(interval))
		return nil, 0
	}
	r.advice.set(key, p.clockNow.Add(interval))
	src, err := r.Sources.For(in)
	if err != nil {
		log.V(1).Info("no pool advice sample: no metric source", "error", err.Error())
		return nil, interval
	}
	ctx, cancel := context.WithTimeout(ctx, r.analysisTimeout())
	defer cancel()
	m, err := src.Measure(ctx, poolhealth.Query{Namespace: in.Namespace, Instance: in.Name, Canary: stable, Interval: interval})
	switch {
	case err != nil:
		log.V(1).Info("no pool advice sample: the stable pods could not be measured", "error", err.Error())
		return nil, interval
	case m.Pending:
		wait := m.RetryAfter
		if wait <= 0 {
			wait = interval
		}
		r.advice.set(key, p.clockNow.Add(wait))
		return nil, wait
	}
	return []adviceWindow{{track: iapiv1alpha1.TrackStable, pool: p.status.Stable.Pool, measures: m.Canary}}, interval
}

// recordAdvice sets the advice's metrics and, when it changed in this pass (after
// the status holding it was written), tells it in an Event.
func (r *InterviewAPIReconciler) recordAdvice(p *pass) {
	in, rec := p.instance, p.status.Recommendation
	if rec == nil {
		return
	}
	r.Metrics.Recommended(in.Namespace, in.Name, rec.Size, rec.MaxOverflow)
	if !p.adviceChanged {
		return
	}
	if rec.Size == nil || rec.MaxOverflow == nil {
		r.Recorder.Eventf(in, nil, corev1.EventTypeNormal, iapiv1alpha1.ReasonPoolRecommendation, adviceAction, "%s", rec.Reason)
		return
	}
	r.Recorder.Eventf(in, nil, corev1.EventTypeNormal, iapiv1alpha1.ReasonPoolRecommendation, adviceAction,
		"advised pool %d+%d per pod, the pods run %s (kubectl interviewapi recommend %s --apply rolls it out): %s", *rec.Size, *rec.MaxOverflow, p.status.Pool, in.Name, rec.Reason)
}

// adviceAction is the action of the advice's Events.
const adviceAction = "Advise"
