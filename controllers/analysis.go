package controllers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/internal/poolhealth"
	"github.com/interviewapi/operator/internal/resources"
	"github.com/interviewapi/operator/internal/rollout"
)

// +kubebuilder:rbac:groups="",resources=pods,verbs=list

// analyse takes the analysis a decision asked for: it finds the ready pods of both
// revisions, measures them with the instance's metric source and judges the canary
// with the spec's judge: against the thresholds (Threshold), or against the stable
// pods (Compare, see compare.go, which also takes the samples between analyses). It
// returns nil and how long to wait when the source has no complete window yet (a
// scraping source's first look only takes a baseline).
// A source that cannot measure, or does not answer within the analysis deadline,
// yields an Inconclusive result, never an error: the rollout counts those. The error
// is for the API server failing to list the pods, and errInstanceChanged when the
// instance changed while the analysis ran (nothing is recorded then: the next pass
// decides on the changed instance).
func (r *InterviewAPIReconciler) analyse(ctx context.Context, p *pass, req *rollout.AnalysisRequest) (*iapiv1alpha1.AnalysisResult, time.Duration, error) {
	in := p.instance
	key := client.ObjectKeyFromObject(in)
	compare := req.Judge == iapiv1alpha1.JudgeCompare
	var canary, stable []poolhealth.Pod
	kept := false
	if compare && req.Sample {
		// A sample measures the pods the step's latest listing found (samplePods).
		canary, stable, kept = r.judges.samplePods(key, req)
	}
	if !kept {
		var err error
		if canary, stable, err = r.readyPods(ctx, in, req.Canary.Revision, req.Stable.Revision); err != nil {
			return nil, 0, err
		}
	}
	src, err := r.Sources.For(in)
	var refused *prometheusRefusedError
	if errors.As(err, &refused) {
		return nil, 0, err
	}
	if err != nil {
		return &iapiv1alpha1.AnalysisResult{
			Time:    metav1.NewTime(p.clockNow),
			Verdict: iapiv1alpha1.VerdictInconclusive,
			Message: fmt.Sprintf("could not measure the canary: %v", err),
		}, 0, nil
	}
	p.tap = &adviceTap{Source: src, canaryPool: req.Canary.Pool, stablePool: req.Stable.Pool}
	src = p.tap
	q := poolhealth.Query{
		Namespace: in.Namespace,
		Instance:  in.Name,
		Canary:    canary,
		Stable:    stable,
		Interval:  req.Interval,
		Since:     req.Since,
	}
	criteria := poolhealth.CriteriaFor(in.Spec.Rollout.Analysis, iapiv1alpha1.ModeName(req.Canary.Async))
	if compare {
		result, wait, err := r.measure(ctx, p, func(ctx context.Context) (*iapiv1alpha1.AnalysisResult, time.Duration) {
			return r.compare(ctx, p, req, src, q, criteria)
		})
		if !kept {
			r.judges.keepPods(key, req, canary, stable)
		}
		if err == nil && req.Sample && result != nil && result.Verdict != iapiv1alpha1.VerdictFail {
			// A sample that timed out decides nothing; the analysis will tell.
			return nil, in.Spec.Rollout.Analysis.SampleIntervalOrDefault(), nil
		}
		if result != nil {
			result.Judge = iapiv1alpha1.JudgeCompare
		}
		return result, wait, err
	}
	result, wait, err := r.measure(ctx, p, func(ctx context.Context) (*iapiv1alpha1.AnalysisResult, time.Duration) {
		return poolhealth.MeasureAndJudge(ctx, src, q, criteria, p.clockNow)
	})
	if result != nil {
		result.Judge = iapiv1alpha1.JudgeThreshold
	}
	return result, wait, err
}

// measure runs an analysis under its deadline, interrupted by a change of the
// instance. The pass waits for whichever comes first, the analysis or its context,
// so that a source which does not heed its context still cannot hold the pass.
func (r *InterviewAPIReconciler) measure(ctx context.Context, p *pass,
	analyze func(context.Context) (*iapiv1alpha1.AnalysisResult, time.Duration)) (*iapiv1alpha1.AnalysisResult, time.Duration, error) {
	key := client.ObjectKeyFromObject(p.instance)
	timeout := r.analysisTimeout()
	actx, done := r.analyses.start(ctx, key, timeout)
	defer done()
	// A change that reached the cache before the analysis was registered is not
	// seen by the interrupting handler: look once now.
	latest := &iapiv1alpha1.InterviewAPI{}
	if err := r.Client.Get(ctx, key, latest); err == nil && changedByUser(p.instance, latest) {
		return nil, 0, errInstanceChanged
	}
	type outcome struct {
		result *iapiv1alpha1.AnalysisResult
		wait   time.Duration
	}
	out := make(chan outcome, 1)
	go func() {
		result, wait := analyze(actx)
		out <- outcome{result, wait}
	}()
	select {
	case o := <-out:
		if errors.Is(context.Cause(actx), errInstanceChanged) {
			return nil, 0, errInstanceChanged
		}
		return o.result, o.wait, nil
	case <-actx.Done():
	}
	switch cause := context.Cause(actx); {
	case errors.Is(cause, errInstanceChanged):
		return nil, 0, errInstanceChanged
	case errors.Is(cause, errAnalysisTimeout):
		return &iapiv1alpha1.AnalysisResult{
			Time:    metav1.NewTime(p.clockNow),
			Verdict: iapiv1alpha1.VerdictInconclusive,
			Message: fmt.Sprintf("could not measure the canary: the metric source did not answer within %s (--analysis-timeout)", timeout),
		}, 0, nil
	default:
		return nil, 0, fmt.Errorf("analysis: %w", cause)
	}
}

// readyPods lists the instance's server pods that are ready to be measured (ready, with
// an address, and not shutting down) and splits them into the canary pods of revision
// canaryRev and the stable pods of stableRev, each sorted by name. They are read from
// the API server rather than a cache, so a pod that just became ready is not missed,
// and the operator keeps no copy of every pod in memory; one list serves both tracks,
// which halves the API server's work when many rollouts are analysed at once.
func (r *InterviewAPIReconciler) readyPods(ctx context.Context, in *iapiv1alpha1.InterviewAPI, canaryRev, stableRev string) (canary, stable []poolhealth.Pod, err error) {
	var list corev1.PodList
	err = r.apiReader().List(ctx, &list, client.InNamespace(in.Namespace), client.MatchingLabels{
		iapiv1alpha1.LabelName:     iapiv1alpha1.ServerName,
		iapiv1alpha1.LabelInstance: in.Name,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list the server pods: %w", err)
	}
	for i := range list.Items {
		pod := &list.Items[i]
		if !pod.DeletionTimestamp.IsZero() || pod.Status.PodIP == "" || !podReady(pod) {
			continue
		}
		p := poolhealth.Pod{UID: pod.UID, Name: pod.Name, IP: pod.Status.PodIP, Port: metricsPort(pod)}
		switch track, rev := pod.Labels[iapiv1alpha1.LabelTrack], pod.Labels[iapiv1alpha1.LabelRevision]; {
		case track == iapiv1alpha1.TrackCanary && rev == canaryRev:
			canary = append(canary, p)
		case track == iapiv1alpha1.TrackStable && rev == stableRev:
			stable = append(stable, p)
		}
	}
	byName := func(a, b poolhealth.Pod) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(canary, byName)
	slices.SortFunc(stable, byName)
	return canary, stable, nil
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// metricsPort is the server container's port named http, which serves /metrics; 0
// (the source's default port) when the pod does not name it.
func metricsPort(pod *corev1.Pod) int32 {
	for _, c := range pod.Spec.Containers {
		if c.Name != resources.ContainerName {
			continue
		}
		for _, port := range c.Ports {
			if port.Name == resources.PortName {
				return port.ContainerPort
			}
		}
	}
	return 0
}
