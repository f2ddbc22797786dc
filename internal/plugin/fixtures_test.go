package plugin

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// Realistic InterviewAPI objects in the states the operator writes, shared by the
// render tests and the envtest tests (which store them and read them back). Every time
// is a whole second so that it survives the API server's RFC 3339 round trip.

// fixtureNow is the clock of every render test.
func fixtureNow() time.Time { return time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) }

func ago(d time.Duration) metav1.Time { return metav1.NewTime(fixtureNow().Add(-d)) }

func syncRevision() iapiv1alpha1.RevisionStatus {
	return iapiv1alpha1.NewRevision(false, iapiv1alpha1.PoolSpec{})
}

func asyncRevision() iapiv1alpha1.RevisionStatus {
	return iapiv1alpha1.NewRevision(true, iapiv1alpha1.PoolSpec{})
}

func historyEntry(r iapiv1alpha1.RevisionStatus, outcome, reason string, at metav1.Time) iapiv1alpha1.HistoryEntry {
	return iapiv1alpha1.HistoryEntry{Revision: r.Revision, Async: r.Async, Pool: r.Pool, Outcome: outcome, Reason: reason, Time: at}
}

func condition(typ string, status metav1.ConditionStatus, reason, message string, at metav1.Time) metav1.Condition {
	return metav1.Condition{Type: typ, Status: status, Reason: reason, Message: message, LastTransitionTime: at, ObservedGeneration: 1}
}

// baseInstance is the spec a user applies: 4 replicas, the default steps, sync mode.
func baseInstance(name string) *iapiv1alpha1.InterviewAPI {
	return &iapiv1alpha1.InterviewAPI{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Generation: 1},
		Spec: iapiv1alpha1.InterviewAPISpec{
			Image:    "registry.example/interviewapi-server:v0.1.0",
			Replicas: ptr.To[int32](4),
			Database: iapiv1alpha1.DatabaseSpec{
				URLSecretRef: iapiv1alpha1.SecretKeyRef{Name: "interview-db", Key: "url"},
			},
			Rollout: iapiv1alpha1.RolloutSpec{
				Steps: []iapiv1alpha1.RolloutStep{
					{Weight: 25, Pause: &metav1.Duration{Duration: time.Minute}},
					{Weight: 50, Pause: &metav1.Duration{Duration: time.Minute}},
					{Weight: 100},
				},
			},
		},
	}
}

// progressingInstance is async being rolled out: step 2 of 3 at 50 %, one analysis passed.
func progressingInstance(name string) *iapiv1alpha1.InterviewAPI {
	obj := baseInstance(name)
	obj.Spec.Database.Async.Enabled = true
	stable, canary := syncRevision(), asyncRevision()
	obj.Status = iapiv1alpha1.InterviewAPIStatus{
		Phase:              iapiv1alpha1.PhaseProgressing,
		ObservedGeneration: 1,
		Mode:               "sync→async",
		Pool:               stable.Pool.String(),
		Stable:             &stable,
		Canary:             &canary,
		CurrentStep:        ptr.To[int32](1),
		CanaryWeight:       50,
		StepSetTime:        ptr.To(ago(2 * time.Minute)),
		StepStartTime:      ptr.To(ago(40 * time.Second)),
		PassedAnalyses:     1,
		Replicas:           4,
		ReadyReplicas:      4,
		LastAnalysis: &iapiv1alpha1.AnalysisResult{
			Time:    ago(10 * time.Second),
			Verdict: iapiv1alpha1.VerdictPass,
			Step:    1,
			Message: "every check passed on 2 canary pods (412 acquires)",
			Metrics: []iapiv1alpha1.MetricResult{
				{Name: "acquireWaitP99", Value: "4ms", Threshold: "100ms", Verdict: iapiv1alpha1.VerdictPass},
				{Name: "poolUtilization", Value: "0.42", Threshold: "0.9", Verdict: iapiv1alpha1.VerdictPass},
				{Name: "acquireTimeoutRatio", Value: "0", Threshold: "0.01", Verdict: iapiv1alpha1.VerdictPass},
				{Name: "errorRatio", Value: "0.001", Threshold: "0.02", Verdict: iapiv1alpha1.VerdictPass},
				{Name: "p99VsStable", Value: "0.8", Threshold: "2", Verdict: iapiv1alpha1.VerdictPass},
			},
		},
		History: []iapiv1alpha1.HistoryEntry{
			historyEntry(stable, iapiv1alpha1.OutcomeInitial, "first revision of the instance", ago(72*time.Hour)),
		},
		Conditions: []metav1.Condition{
			condition(iapiv1alpha1.ConditionAvailable, metav1.ConditionTrue, iapiv1alpha1.ReasonReplicasReady, "4 of 4 replicas ready", ago(71*time.Hour)),
			condition(iapiv1alpha1.ConditionProgressing, metav1.ConditionTrue, iapiv1alpha1.ReasonStepPromoted, "canary "+canary.Revision+" at step 2 of 3 (50%)", ago(2*time.Minute)),
			condition(iapiv1alpha1.ConditionDegraded, metav1.ConditionFalse, iapiv1alpha1.ReasonReplicasReady, "", ago(71*time.Hour)),
		},
	}
	return obj
}

// rolledBackInstance is async rolled back at step 2 because the canary's acquire wait
// was too long; the spec still asks for async.
func rolledBackInstance(name string) *iapiv1alpha1.InterviewAPI {
	obj := baseInstance(name)
	obj.Spec.Database.Async.Enabled = true
	stable, failed := syncRevision(), asyncRevision()
	obj.Status = iapiv1alpha1.InterviewAPIStatus{
		Phase:              iapiv1alpha1.PhaseRolledBack,
		ObservedGeneration: 1,
		Mode:               "sync",
		Pool:               stable.Pool.String(),
		Stable:             &stable,
		FailedRevision:     failed.Revision,
		FailedAnalyses:     1,
		Replicas:           4,
		ReadyReplicas:      4,
		LastAnalysis: &iapiv1alpha1.AnalysisResult{
			Time:    ago(5 * time.Minute),
			Verdict: iapiv1alpha1.VerdictFail,
			Step:    1,
			Message: "acquireWaitP99 250ms is above the threshold 100ms",
			Metrics: []iapiv1alpha1.MetricResult{
				{Name: "acquireWaitP99", Value: "250ms", Threshold: "100ms", Verdict: iapiv1alpha1.VerdictFail},
				{Name: "poolUtilization", Value: "0.97", Threshold: "0.9", Verdict: iapiv1alpha1.VerdictFail},
				{Name: "acquireTimeoutRatio", Value: "0.004", Threshold: "0.01", Verdict: iapiv1alpha1.VerdictPass},
				{Name: "errorRatio", Value: "0.003", Threshold: "0.02", Verdict: iapiv1alpha1.VerdictPass},
			},
		},
		History: []iapiv1alpha1.HistoryEntry{
			historyEntry(stable, iapiv1alpha1.OutcomeInitial, "first revision of the instance", ago(72*time.Hour)),
			historyEntry(failed, iapiv1alpha1.OutcomeRolledBack, "acquireWaitP99 250ms > 100ms at step 2", ago(5*time.Minute)),
		},
		Conditions: []metav1.Condition{
			condition(iapiv1alpha1.ConditionAvailable, metav1.ConditionTrue, iapiv1alpha1.ReasonReplicasReady, "4 of 4 replicas ready", ago(71*time.Hour)),
			condition(iapiv1alpha1.ConditionProgressing, metav1.ConditionFalse, iapiv1alpha1.ReasonRolledBack, "no canary", ago(5*time.Minute)),
			condition(iapiv1alpha1.ConditionRolledBack, metav1.ConditionTrue, iapiv1alpha1.ReasonAnalysisFailed,
				"revision "+failed.Revision+" rolled back at step 2: acquireWaitP99 = 250ms, threshold 100ms", ago(5*time.Minute)),
		},
	}
	return obj
}

// promotedInstance runs async as stable after a promotion an hour ago; sync ran before.
func promotedInstance(name string) *iapiv1alpha1.InterviewAPI {
	obj := baseInstance(name)
	obj.Spec.Database.Async.Enabled = true
	first, stable := syncRevision(), asyncRevision()
	obj.Status = iapiv1alpha1.InterviewAPIStatus{
		Phase:              iapiv1alpha1.PhaseHealthy,
		ObservedGeneration: 1,
		Mode:               "async",
		Pool:               stable.Pool.String(),
		Stable:             &stable,
		Replicas:           4,
		ReadyReplicas:      4,
		History: []iapiv1alpha1.HistoryEntry{
			historyEntry(first, iapiv1alpha1.OutcomeInitial, "first revision of the instance", ago(72*time.Hour)),
			historyEntry(stable, iapiv1alpha1.OutcomeRolledBack, "errorRatio 0.05 > 0.02 at step 1", ago(48*time.Hour)),
			historyEntry(stable, iapiv1alpha1.OutcomePromoted, "3 steps passed", ago(time.Hour)),
		},
		Conditions: []metav1.Condition{
			condition(iapiv1alpha1.ConditionAvailable, metav1.ConditionTrue, iapiv1alpha1.ReasonReplicasReady, "4 of 4 replicas ready", ago(71*time.Hour)),
			condition(iapiv1alpha1.ConditionProgressing, metav1.ConditionFalse, iapiv1alpha1.ReasonPromoted, "revision "+stable.Revision+" promoted", ago(time.Hour)),
		},
	}
	return obj
}

// pausedInstance is a canary at step 1 waiting for its pods, paused by the user, with a
// promote request the operator has not acted on and a spec newer than the status.
func pausedInstance(name string) *iapiv1alpha1.InterviewAPI {
	obj := progressingInstance(name)
	obj.Generation = 3
	obj.Annotations = map[string]string{iapiv1alpha1.AnnotationPromote: promoteFull}
	obj.Spec.Paused = true
	obj.Status.Phase = iapiv1alpha1.PhasePaused
	obj.Status.ObservedGeneration = 2
	obj.Status.CurrentStep = ptr.To[int32](0)
	obj.Status.CanaryWeight = 25
	obj.Status.StepStartTime = nil
	obj.Status.PassedAnalyses = 0
	obj.Status.LastAnalysis = nil
	obj.Status.ReadyReplicas = 3
	obj.Status.Conditions = nil
	return obj
}

// comparedInstance was rolled back by the Compare judge at a sample of its second step,
// after one passing analysis of each step; its errorRatio check is a dry run.
func comparedInstance(name string) *iapiv1alpha1.InterviewAPI {
	obj := rolledBackInstance(name)
	metrics := func(p99, stableP99, effect, p, verdict string) []iapiv1alpha1.MetricResult {
		return []iapiv1alpha1.MetricResult{
			{Name: "acquireWaitP99", Value: p99, Stable: stableP99, Effect: effect, PValue: p, Alpha: "0.00071",
				CanarySamples: 1200, StableSamples: 3600, Threshold: "<= 100ms and not worse than stable", Verdict: verdict},
			{Name: "errorRatio", Value: "0.004", Stable: "0.001", Effect: "×4, +0.003", PValue: "0.02", Alpha: "0.0014",
				CanarySamples: 1180, StableSamples: 3550, Threshold: "<= 0.02 and not worse than stable", Verdict: iapiv1alpha1.VerdictPass, DryRun: true},
		}
	}
	obj.Status.Analyses = []iapiv1alpha1.AnalysisResult{
		{Time: ago(7 * time.Minute), Step: 0, Judge: iapiv1alpha1.JudgeCompare, Verdict: iapiv1alpha1.VerdictPass,
			Message: "canary no worse than the stable pods, and within every ceiling", Metrics: metrics("1.2ms", "1.1ms", "×1.09, +100µs at p99", "1", iapiv1alpha1.VerdictPass)},
		{Time: ago(5 * time.Minute), Step: 1, Judge: iapiv1alpha1.JudgeCompare, Verdict: iapiv1alpha1.VerdictFail, Early: true,
			Message: "canary failed: acquireWaitP99 250ms is worse than the stable pods' 1.1ms (×227, +248.9ms at p99; p = 3e-09 ≤ 0.00071)",
			Metrics: metrics("250ms", "1.1ms", "×227, +248.9ms at p99", "3e-09", iapiv1alpha1.VerdictFail)},
	}
	obj.Status.LastAnalysis = &obj.Status.Analyses[1]
	return obj
}

// advisedInstance is async at the starving pool 1+0, healthy, with the advice the
// operator wrote from a window of its 4 stable pods: 6000 acquires in a minute, the
// pool always in use, a fifth of the acquires timing out and 400ms of mean wait
// (internal/advice.Recommend of that sample: 39+29).
func advisedInstance(name string) *iapiv1alpha1.InterviewAPI {
	obj := promotedInstance(name)
	obj.Spec.Database.Pool = iapiv1alpha1.PoolSpec{Size: 1, MaxOverflow: ptr.To[int32](0)}
	obj.Status.Recommendation = &iapiv1alpha1.PoolRecommendation{
		Time:        ago(90 * time.Second),
		Mode:        "async",
		Size:        ptr.To[int32](39),
		MaxOverflow: ptr.To[int32](29),
		Saturated:   true,
		Reason: "async: size 39, maxOverflow 29 from 6000 acquires of 4 pods over 1m0s: λ 25.0 acquires/s per pod × hold 50ms = 1.25 connections in use (Little's law); " +
			"the pool 1+0 was saturated (100% in use, 20.0% timeouts), with 10.00 acquires waiting (λ × mean wait 400ms), so the demand is 11.25, and the advice at least doubles the pool; " +
			"at 2× that load (a canary's share can double) an acquire finds one of 39 warm connections free, and at 4× one of 68, 99.9% of the time (Poisson)",
		BasedOn: &iapiv1alpha1.RecommendationBasis{
			Track: iapiv1alpha1.TrackStable, Pool: "1+0", Window: metav1.Duration{Duration: time.Minute}, Pods: 4, Samples: 6000,
			Rate: "25.00/s", HoldTime: metav1.Duration{Duration: 50 * time.Millisecond}, Concurrency: "11.25", P99Concurrency: 20,
		},
	}
	return obj
}
