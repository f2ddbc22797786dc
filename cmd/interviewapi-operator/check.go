package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// checkOptions are the flags of `interviewapi-operator check`, the command the Helm
// chart's test hook runs with the operator's own image and ServiceAccount. Every check
// asks the API server, never the operator pods over the network: it needs neither
// cluster DNS nor a route to the pods, and a NetworkPolicy cannot make it fail.
type checkOptions struct {
	namespace string
	// deployment, when set, is the operator's Deployment, which must be rolled out.
	deployment string
	// leaderElection: the operator runs with --leader-elect, so a live leader must be
	// renewing the Lease leaderElectionID in namespace.
	leaderElection bool
	timeout        time.Duration
	interval       time.Duration
}

// runCheck parses the flags, finds the cluster like the operator does, and runs the
// checks.
func runCheck(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o checkOptions
	fs.StringVar(&o.namespace, "namespace", "", "Namespace of the operator's Deployment and leader-election Lease (required).")
	fs.StringVar(&o.deployment, "deployment", "", "Name of the operator's Deployment: require it rolled out, every replica ready. Empty skips this check.")
	fs.BoolVar(&o.leaderElection, "leader-election", true,
		"The operator runs with --leader-elect: require a leader that renews the Lease "+leaderElectionID+".")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "How long to retry before failing.")
	fs.DurationVar(&o.interval, "interval", time.Second, "Time between tries.")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return nil
	} else if err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("check: unexpected arguments %q", fs.Args())
	}
	if o.namespace == "" {
		return errors.New("check: --namespace is required")
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("check: find the cluster: %w", err)
	}
	return check(ctx, cfg, o, stdout)
}

// check retries each check in turn until it passes or the timeout ends; it prints one
// line per passed check and returns the last failure of the first check that did not
// pass.
func check(ctx context.Context, cfg *rest.Config, o checkOptions, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	// The checks send one request at a time, one per --interval, so they need no
	// client-side rate limit. client-go's default one (5/s) would otherwise fail a try it
	// predicts cannot start before the deadline with an error about the limiter, and that
	// error, not the cluster's answer, would be the check's last word.
	cfg = rest.CopyConfig(cfg)
	cfg.QPS = -1 // negative: no rate limiter (rest.Config)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	type step struct {
		name string
		run  func(context.Context) error
	}
	steps := []step{{"CRD served", func(context.Context) error { return crdServed(cs.Discovery()) }}}
	if o.deployment != "" {
		steps = append(steps, step{fmt.Sprintf("operator Deployment %s/%s rolled out", o.namespace, o.deployment), func(ctx context.Context) error {
			d, err := cs.AppsV1().Deployments(o.namespace).Get(ctx, o.deployment, metav1.GetOptions{})
			if err != nil {
				return err
			}
			return deploymentRolledOut(d)
		}})
	}
	if o.leaderElection {
		var w leaseWatch
		steps = append(steps, step{fmt.Sprintf("leader renews Lease %s/%s", o.namespace, leaderElectionID), func(ctx context.Context) error {
			l, err := cs.CoordinationV1().Leases(o.namespace).Get(ctx, leaderElectionID, metav1.GetOptions{})
			if err != nil {
				return err
			}
			return w.observe(l)
		}})
	}
	for _, s := range steps {
		if err := retry(ctx, o.interval, s.run); err != nil {
			return fmt.Errorf("check %s: %w", s.name, err)
		}
		fmt.Fprintf(stdout, "ok: %s\n", s.name)
	}
	if len(steps) == 1 {
		fmt.Fprintln(stdout, "not checked: the operator itself (no --deployment, no --leader-election)")
	}
	return nil
}

// retry calls fn until it succeeds or ctx ends, and returns fn's last error that ctx's
// end did not cause (a try cut short by the deadline says nothing about the cluster).
// Every error is retried, a Forbidden one too: the test's RoleBinding may be created a
// moment before its pod starts.
func retry(ctx context.Context, interval time.Duration, fn func(context.Context) error) error {
	var last error
	for {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if last == nil || ctx.Err() == nil {
			last = err
		}
		select {
		case <-ctx.Done():
			return last
		case <-time.After(interval):
		}
	}
}

func crdServed(dc discovery.DiscoveryInterface) error {
	resources, err := dc.ServerResourcesForGroupVersion(iapiv1alpha1.GroupVersion.String())
	if err != nil {
		return fmt.Errorf("discover %s: %w", iapiv1alpha1.GroupVersion, err)
	}
	for _, r := range resources.APIResources {
		if r.Name == "interviewapis" {
			return nil
		}
	}
	return fmt.Errorf("%s does not serve interviewapis", iapiv1alpha1.GroupVersion)
}

// deploymentRolledOut passes when the Deployment's controller has seen its latest spec
// and every replica runs that spec and is available, that is, has passed its readiness
// probe (the operator's /readyz): the conditions of `kubectl rollout status`.
func deploymentRolledOut(d *appsv1.Deployment) error {
	want := ptr.Deref(d.Spec.Replicas, 1)
	st := d.Status
	for _, c := range st.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Reason == "ProgressDeadlineExceeded" {
			return fmt.Errorf("rollout stuck: %s", c.Message)
		}
	}
	switch {
	case want == 0:
		return errors.New("scaled to 0 replicas: no operator runs")
	case st.ObservedGeneration < d.Generation:
		return fmt.Errorf("the Deployment controller has not seen generation %d yet", d.Generation)
	case st.UpdatedReplicas < want:
		return fmt.Errorf("%d of %d replicas updated", st.UpdatedReplicas, want)
	case st.Replicas > st.UpdatedReplicas:
		return fmt.Errorf("%d old replicas still terminating", st.Replicas-st.UpdatedReplicas)
	case st.AvailableReplicas < st.UpdatedReplicas:
		return fmt.Errorf("%d of %d updated replicas available (ready)", st.AvailableReplicas, st.UpdatedReplicas)
	}
	return nil
}

// leaseWatch follows a leader-election Lease across tries. Holding the Lease is not
// enough: a leader that hangs keeps holding it until it expires. The check therefore
// passes only once the Lease has been written since the first look (renewed, or taken
// over by another replica) and names a holder, which proves a live elector without
// comparing this pod's clock with the leader's.
type leaseWatch struct {
	first *coordinationv1.Lease
}

func (w *leaseWatch) observe(l *coordinationv1.Lease) error {
	holder := ptr.Deref(l.Spec.HolderIdentity, "")
	if holder == "" {
		return errors.New("no replica holds the Lease")
	}
	if w.first == nil {
		w.first = l.DeepCopy()
		return fmt.Errorf("waiting for %s to renew the Lease", holder)
	}
	renewed := !renewTime(l).Equal(renewTime(w.first))
	if !renewed && holder == ptr.Deref(w.first.Spec.HolderIdentity, "") {
		return fmt.Errorf("%s has not renewed the Lease since %s", holder, renewTime(w.first).UTC().Format(time.RFC3339Nano))
	}
	return nil
}

// renewTime is when the Lease was last renewed; the zero time when never.
func renewTime(l *coordinationv1.Lease) time.Time {
	if l.Spec.RenewTime == nil {
		return time.Time{}
	}
	return l.Spec.RenewTime.Time
}
