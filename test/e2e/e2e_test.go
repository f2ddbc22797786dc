//go:build e2e

// Package e2e runs the product end to end on a local cluster (test/localcluster):
// real server processes as pods, a real PostgreSQL, real load through the Service
// proxy, and the operator as a local process or deployed in the cluster through its
// RBAC. `make test-e2e` runs it (build tag e2e, after `make tools build`).
//
// The scenarios share one cluster and run one after another, each in a namespace of
// its own with a database of its own: one of them stops the cluster's PostgreSQL, and
// on two cores, rollouts running side by side would measure each other. Each logs the
// figures docs/benchmarks.md reports, as lines starting with "FIGURE".
package e2e

import (
	"testing"
)

func TestE2E(t *testing.T) {
	e := startEnv(t)
	scenarios := []struct {
		name string
		run  func(*testing.T, *env)
	}{
		// Issue scenarios 1 and 3: the promotion, then the fast rollback.
		{"SyncToAsyncPromotedThenPatchedBackToSync", testPromotedThenPatchedBack},
		{"StarvingPoolRolledBackByAnalysis", testStarvingPoolRolledBack},
		// Issue 14 point 7: the analysis and the dashboards on a real Prometheus.
		{"AnalysisThroughPrometheusAndDashboards", testAnalysisThroughPrometheus},
		// Issue 12: every decision of a promotion and of a rollback notified.
		{"NotificationsOfAPromotionAndARollback", testNotificationsOfEveryDecision},
		// Issue 12: a starving and an oversized pool's advice applied and promoted.
		{"PoolAdviceAppliedAndPromoted", testPoolAdvice},
		{"OperatorKilledDuringStep2Resumes", testOperatorKilledResumes},
		{"DatabaseOutageDuringCanaryNeverPromotes", testDatabaseOutage},
		{"InClusterOperatorThroughItsRBAC", testInClusterOperator},
	}
	for _, sc := range scenarios {
		if !t.Run(sc.name, func(t *testing.T) { sc.run(t, e) }) {
			t.Logf("%s failed; the next scenarios still run", sc.name)
		}
	}
}
