// Package rollout decides how a change of an InterviewAPI's database mode or pool
// settings reaches its pods: the canary state machine, as one pure function.
//
// # Model
//
// A revision is the pair (database.async, database.pool), identified by a hash
// (v1alpha1.RevisionHash); nothing else in the spec is a revision. Two Deployments run
// the server: NAME-stable runs status.stable, NAME-canary runs status.canary while a
// rollout is in progress. One Service selects both, so the canary's share of the
// traffic is its share of the pods, its weight. Weights become pods with
// CanaryReplicas: ceil(replicas × weight / 100), at least one canary pod for any weight
// above 0, at least one stable pod below 100 % when there are two replicas or more, and
// replicas pods in total.
//
// Decide(Input) Plan takes the instance (spec, status, annotations, generation), the
// two Deployments as observed, the analysis taken in this pass if any, whether the
// pass changes NAME-stable, and the time. It returns the whole new status (the
// rollout's fields, the pod counts and every condition: it is the one owner of the
// status), what each Deployment should run (revision, replicas, and whether its
// rolling update may surge; a nil canary means delete it), Events, annotations to
// remove, whether an analysis is due, and when to look again. The reconciler
// observes, decides, measures when asked, decides again with the result, renders,
// writes status and then applies the Deployments. Writing status first keeps a crash
// between the two harmless: the next pass plans the same Deployments from the same
// status. A failed phase of the pass is added to the status by StatusAfterFailure.
//
// # States
//
// Healthy: the spec's revision is the stable revision; NAME-stable runs it on every
// pod. The very first revision of an instance is applied this way at once and
// recorded in history as Initial.
//
// Progressing: a new revision is rolled out, one step of spec.rollout.steps at a time.
// A step sets its weight; the canary grows first and the stable track gives up one pod
// for each canary pod that becomes available, so the instance never has fewer than
// spec.replicas available pods. When all of the step's canary pods are available the
// step starts (status.stepStartTime) and an analysis is due at once (a scraping source
// takes its baseline then) and every analysis interval after the last one. With the
// Compare judge (spec.rollout.analysis.judge, the default) the first analysis is due
// one interval after the start instead, and until an analysis is due every pass asks
// for a sample (AnalysisRequest.Sample) at least every sampleInterval: a sample
// returns a result only for a failure its sequential tests decided (Early), which is
// recorded and acted on like any failed analysis. A step
// passes when it has been analysed for its pause (at least one interval) with
// ceil(pause / interval) passing analyses, the latest of them passing; the next step
// then starts in the same pass. Passing the last step (weight 100) promotes the
// revision: it becomes status.stable, history records Promoted, and NAME-canary keeps
// as many pods as NAME-stable still lacks until NAME-stable has them all, then it is
// deleted. The phase is Healthy again once that handover is over.
//
// Analyses: a failed analysis counts towards spec.rollout.analysis.failureLimit; at the
// limit the rollout fails. An inconclusive one (too few acquires, a missing metric, an
// unreachable pod) counts towards inconclusiveLimit in a row, and at the limit the
// rollout pauses (phase Paused, Degraded condition AnalysisInconclusive saying why). A
// pass resets the inconclusive count. The canary pods not being available within
// progressDeadline of the step's weight being set fails the step like a failed
// analysis.
//
// RolledBack: a failure with onFailure Rollback scales the canary to 0 in the same pass
// and keeps the stable revision on every pod; the RolledBack condition, an Event and
// the history name the failing metric, its value and the threshold. The revision is
// kept in status.failedRevision and not rolled out again while the spec asks for it,
// until the apps.interviewapi.io/retry annotation is set; any other spec revision
// clears it. With onFailure Pause the rollout freezes at its weight instead (phase
// Degraded, Degraded condition AnalysisFailed or ProgressDeadlineExceeded), for a
// change that must not be reverted, until a person acts.
//
// Fast rollback: a spec returned to the stable revision during a rollout aborts it in
// the same pass (canary to 0, history Aborted). A spec set to a revision that ran on
// the stable track within spec.rollout.rollbackWindow (the first revision counts) is
// applied to NAME-stable at once, without steps (history FastRollback): this is what
// `kubectl patch … async.enabled=false` does after async was promoted. A spec moving to
// yet another revision during a rollout aborts the current canary and starts the new
// revision from the first step on the same NAME-canary Deployment: there is never more
// than one canary.
//
// # Connection budget
//
// With spec.database.maxServerConnections set, (stable pods + canary pods + one surge
// pod of each Deployment replacing pods of another template) × (the connections one pod
// of its own revision may open: size + maxOverflow + 3, v1alpha1.PoolSpec.ConnectionsPerPod)
// never exceeds it, at any moment (budget.go is the one place
// that counts; a Deployment may surge only when its extra pod fits, TrackPlan.Surge): pods on their way out are
// counted until the Deployment reports them gone (including status.terminatingReplicas
// where the API server reports it), so shrinking comes before growing. When the
// canary cannot grow beside the stable pods, the stable track shrinks to its share
// first. When even the step's final pods cannot fit, the step is held (Degraded
// condition BudgetHeld with the numbers) and the time held does not count against the
// progress deadline.
//
// # Controls
//
// spec.paused holds a rollout at its step (no step advances, no analysis) and keeps a
// new revision from starting; aborts and fast rollbacks still apply. Annotations, each
// removed once read: apps.interviewapi.io/promote skips the current step ("full"
// promotes at once; any other value, conventionally "" or "next", skips one step, and
// promotes from the last), also releasing a frozen rollout; apps.interviewapi.io/abort
// ends the rollout like a rollback (history Aborted, revision held back);
// apps.interviewapi.io/retry rolls a held-back revision out again from the first step,
// or restarts the analysis of a frozen step with fresh counters.
//
// # Restart safety
//
// Every piece of state is in status: the step, its times, the analysis counters, the
// last analysis, the failed revision, the history, and the conditions that say a
// rollout is frozen or held. Times are kept to the second, as the API server stores
// them. Decide on the same status and observations gives the same plan, so a restarted
// operator resumes the same step, counts only analyses it recorded, never promotes
// without the passing analyses a step needs, and never runs two canaries.
package rollout
