// Package controllers holds the InterviewAPI reconciler: it observes the instance and its
// children, decides what to change, and applies that change.
//
// One pass (Reconcile), one file per phase:
//
//   - observe: the instance and its Deployments, Service and PodDisruptionBudget from
//     the cache, and the time from the injected clock;
//   - plan: the rollout engine's decision (internal/rollout.Decide); when it asks for
//     an analysis, the ready pods of both revisions are listed, measured through the
//     injected MetricSources (internal/poolhealth) and the engine decides again with
//     the result, so a failing analysis and its rollback are one pass; then the
//     Deployments of the decision are rendered (internal/resources);
//   - commit: the consumed control annotations are removed, the status is written
//     (the rollout's whole memory, with the reconciler's observations merged in by
//     computeStatus), and the decision's Events and metrics are recorded;
//   - canary, stable, service, pdb: server-side applies that skip unchanged objects.
//
// Nothing is applied before the status write succeeds, so a decision taken on a stale
// copy of the instance (the write's resourceVersion check fails) changes nothing, and
// a pass interrupted after it is repeated identically by the next one.
package controllers
