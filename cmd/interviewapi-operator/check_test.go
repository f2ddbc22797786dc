package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/interviewapi/operator/test/envtest"
)

func TestDeploymentRolledOut(t *testing.T) {
	tests := []struct {
		name     string
		replicas int32
		gen      int64
		status   appsv1.DeploymentStatus
		wantErr  string
	}{
		{name: "rolled out", replicas: 2, gen: 3,
			status: appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2}},
		{name: "spec not observed yet", replicas: 1, gen: 2,
			status:  appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1},
			wantErr: "has not seen generation 2"},
		{name: "new pods not created yet", replicas: 2, gen: 1,
			status:  appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1, AvailableReplicas: 1},
			wantErr: "1 of 2 replicas updated"},
		{name: "old pods still running", replicas: 1, gen: 2,
			status:  appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 2, UpdatedReplicas: 1, AvailableReplicas: 2},
			wantErr: "1 old replicas still terminating"},
		{name: "not ready", replicas: 1, gen: 1,
			status:  appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1},
			wantErr: "0 of 1 updated replicas available"},
		{name: "scaled to zero", replicas: 0, gen: 1,
			status:  appsv1.DeploymentStatus{ObservedGeneration: 1},
			wantErr: "scaled to 0"},
		{name: "progress deadline exceeded", replicas: 1, gen: 1,
			status: appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 1, UpdatedReplicas: 1, Conditions: []appsv1.DeploymentCondition{{
				Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded", Message: `ReplicaSet "op-1" has timed out progressing.`,
			}}},
			wantErr: "rollout stuck: ReplicaSet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &appsv1.Deployment{
				ObjectMeta: metav1.ObjectMeta{Generation: tt.gen},
				Spec:       appsv1.DeploymentSpec{Replicas: ptr.To(tt.replicas)},
				Status:     tt.status,
			}
			assertErr(t, deploymentRolledOut(d), tt.wantErr)
		})
	}
}

func TestLeaseWatch(t *testing.T) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	lease := func(holder string, renewed time.Time) *coordinationv1.Lease {
		l := &coordinationv1.Lease{}
		if holder != "" {
			l.Spec.HolderIdentity = ptr.To(holder)
		}
		if !renewed.IsZero() {
			l.Spec.RenewTime = ptr.To(metav1.NewMicroTime(renewed))
		}
		return l
	}
	tests := []struct {
		name    string
		seen    []*coordinationv1.Lease
		wantErr string // of the last observation
	}{
		{name: "first look never passes", seen: []*coordinationv1.Lease{lease("op-a", t0)}, wantErr: "waiting for op-a to renew"},
		{name: "renewed", seen: []*coordinationv1.Lease{lease("op-a", t0), lease("op-a", t0.Add(2*time.Second))}},
		{name: "renewed after several looks", seen: []*coordinationv1.Lease{lease("op-a", t0), lease("op-a", t0), lease("op-a", t0.Add(time.Millisecond))}},
		{name: "not renewed", seen: []*coordinationv1.Lease{lease("op-a", t0), lease("op-a", t0)}, wantErr: "op-a has not renewed the Lease since 2025-01-02T03:04:05Z"},
		{name: "taken over by another replica", seen: []*coordinationv1.Lease{lease("op-a", t0), lease("op-b", t0)}},
		{name: "released", seen: []*coordinationv1.Lease{lease("op-a", t0), lease("", t0.Add(time.Second))}, wantErr: "no replica holds the Lease"},
		{name: "never held", seen: []*coordinationv1.Lease{lease("", time.Time{})}, wantErr: "no replica holds the Lease"},
		{name: "first held after a look without holder", seen: []*coordinationv1.Lease{lease("", time.Time{}), lease("op-a", t0)}, wantErr: "waiting for op-a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w leaseWatch
			var err error
			for _, l := range tt.seen {
				err = w.observe(l)
			}
			assertErr(t, err, tt.wantErr)
		})
	}
}

// TestRetryKeepsTheLastMeaningfulError: a try cut short by the deadline must not hide
// why the tries before it failed.
// The third try ends the context itself, as the deadline would in the middle of a
// try: a wall-clock deadline could pass before the second try on a loaded machine.
func TestRetryKeepsTheLastMeaningfulError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tries := 0
	err := retry(ctx, time.Millisecond, func(ctx context.Context) error {
		tries++
		if tries < 3 {
			return fmt.Errorf("not ready (try %d)", tries)
		}
		cancel()
		return ctx.Err()
	})
	assertErr(t, err, "not ready (try 2)")
}

// TestCheck runs the checks against a real API server, with the Deployment status and
// the Lease renewals a running operator would produce.
func TestCheck(t *testing.T) {
	env := envtest.Start(t)
	ctx := t.Context()
	const ns = "operator-check"
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		t.Fatal(err)
	}
	createDeployment(ctx, t, env.Client, ns, "ready", 1)
	createDeployment(ctx, t, env.Client, ns, "unready", 0)

	tests := []struct {
		name           string
		deployment     string
		leaderElection bool
		renewLease     bool
		wantErr        string
		wantOut        string
	}{
		{name: "all pass", deployment: "ready", leaderElection: true, renewLease: true,
			wantOut: "ok: CRD served\nok: operator Deployment operator-check/ready rolled out\nok: leader renews Lease operator-check/" + leaderElectionID + "\n"},
		{name: "without leader election no Lease is needed", deployment: "ready",
			wantOut: "ok: CRD served\nok: operator Deployment operator-check/ready rolled out\n"},
		{name: "operator not ready", deployment: "unready", leaderElection: true, renewLease: true,
			wantErr: "0 of 1 updated replicas available", wantOut: "ok: CRD served\n"},
		{name: "no such Deployment", deployment: "missing",
			wantErr: `"missing" not found`, wantOut: "ok: CRD served\n"},
		{name: "CRD only", wantOut: "ok: CRD served\nnot checked: the operator itself (no --deployment, no --leader-election)\n"},
		{name: "Lease only", leaderElection: true, renewLease: true,
			wantOut: "ok: CRD served\nok: leader renews Lease operator-check/" + leaderElectionID + "\n"},
		{name: "leader does not renew", deployment: "ready", leaderElection: true,
			wantErr: "has not renewed the Lease", wantOut: "ok: CRD served\nok: operator Deployment operator-check/ready rolled out\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lease := &coordinationv1.Lease{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: leaderElectionID},
				Spec:       coordinationv1.LeaseSpec{HolderIdentity: ptr.To("op-a"), RenewTime: ptr.To(metav1.NowMicro())},
			}
			if err := env.Client.Create(ctx, lease); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = env.Client.Delete(context.Background(), lease) })
			if tt.renewLease {
				renewCtx, stop := context.WithCancel(ctx)
				done := make(chan struct{})
				go func() { defer close(done); renewEvery(renewCtx, env.Client, lease, 50*time.Millisecond) }()
				t.Cleanup(func() { stop(); <-done })
			}
			var out bytes.Buffer
			o := checkOptions{namespace: ns, deployment: tt.deployment, leaderElection: tt.leaderElection,
				timeout: time.Second, interval: 20 * time.Millisecond}
			err := check(ctx, env.Config, o, &out)
			assertErr(t, err, tt.wantErr)
			if out.String() != tt.wantOut {
				t.Errorf("output = %q, want %q", out.String(), tt.wantOut)
			}
		})
	}
}

func TestCheckFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{name: "no namespace", args: []string{"--deployment=op"}, wantErr: "--namespace is required"},
		{name: "stray argument", args: []string{"--namespace=ns", "--deployment=op", "extra"}, wantErr: `unexpected arguments ["extra"]`},
		{name: "help is not an error", args: []string{"-h"}},
		{name: "unknown flag", args: []string{"--ready-url=http://x"}, wantErr: "flag provided but not defined: -ready-url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertErr(t, runCheck(context.Background(), tt.args, &bytes.Buffer{}), tt.wantErr)
		})
	}
}

// createDeployment creates a one-replica Deployment whose status says how many of its
// replicas are available, as the Deployment controller would write it.
func createDeployment(ctx context.Context, t *testing.T, c client.Client, ns, name string, available int32) {
	t.Helper()
	labels := map[string]string{"app": name}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "manager", Image: "interviewapi-operator:test"}}},
			},
		},
	}
	if err := c.Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	d.Status = appsv1.DeploymentStatus{ObservedGeneration: d.Generation, Replicas: 1, UpdatedReplicas: 1, ReadyReplicas: available, AvailableReplicas: available}
	if err := c.Status().Update(ctx, d); err != nil {
		t.Fatal(err)
	}
}

// renewEvery renews the Lease like a leader until ctx ends.
func renewEvery(ctx context.Context, c client.Client, lease *coordinationv1.Lease, period time.Duration) {
	tick := time.NewTicker(period)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var l coordinationv1.Lease
		if err := c.Get(ctx, client.ObjectKeyFromObject(lease), &l); err != nil {
			continue
		}
		l.Spec.RenewTime = ptr.To(metav1.NowMicro())
		_ = c.Update(ctx, &l)
	}
}

func assertErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case want != "" && err == nil:
		t.Fatalf("no error, want one containing %q", want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Fatalf("error = %v, want one containing %q", err, want)
	}
}
