// Package framework drives the product end to end on a local cluster
// (test/localcluster): it runs the operator as a process (local, or in the cluster
// through its RBAC), creates InterviewAPI instances with their own database, sends
// steady load through the Service proxy with hack/loadgen while counting every answer,
// waits for rollout states with deadlines, checks which database mode every pod runs,
// and dumps what explains a failure (status, Deployments, pods, Events, operator log).
//
// The end-to-end tests (test/e2e, build tag e2e) and `make demo` (hack/demo) are both
// written on it, so that the demo shows exactly what the tests prove.
package framework
