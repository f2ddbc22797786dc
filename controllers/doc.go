// Package controllers holds the InterviewAPI reconciler: it observes the instance and its
// children, asks the rollout engine what to do, and applies that. It decides nothing
// about the rollout or the status itself; docs/architecture.md maps the pass file by
// file.
//
// One pass (Reconcile), one file per phase:
//
//   - observe.go: the instance and its Deployments, Service and PodDisruptionBudget
//     from the cache, and the time from the injected clock;
//   - decision.go: the rollout engine's decision (internal/rollout.Decide), which
//     includes the whole status; when it asks for an analysis, analysis.go lists the
//     ready pods of both revisions and measures them through the injected
//     MetricSources (internal/poolhealth), and the engine decides again with the
//     result, so a failing analysis and its rollback are one pass; render.go then
//     builds the Deployments of the decision (internal/resources) before anything is
//     written;
//   - advise.go: the pool advice (internal/advice) from the windows the analysis
//     measured, or from a sample of the stable pods every AdviceInterval when no
//     rollout runs, into status.recommendation;
//   - commit.go: the consumed control annotations are removed, the status is written
//     (status_write.go), and the decision's Events and metrics are recorded;
//   - deployments.go (canary, then stable), service.go, pdb.go: server-side applies
//     that skip unchanged objects (apply.go).
//
// Nothing is applied before the status write succeeds, so a decision taken on a stale
// copy of the instance (the write's resourceVersion check fails) changes nothing, and
// a pass interrupted after it is repeated identically by the next one. A phase that
// fails reports on the status (rollout.StatusAfterFailure): on the decided one once it
// is written, on the previous one before.
package controllers
