// Command interviewapi-operator runs the InterviewAPI controller: it keeps the
// interview API server's Deployments, Service and PodDisruptionBudget in line with
// each InterviewAPI resource, rolls a change of database mode or pool settings out as
// a canary judged by the pods' pool metrics, and reports what it did in the
// resource's status.
//
// It finds its cluster like kubectl: --kubeconfig, then $KUBECONFIG, then the
// in-cluster service account, then ~/.kube/config.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/controllers"
	"github.com/interviewapi/operator/internal/notify"
	"github.com/interviewapi/operator/internal/opmetrics"
	"github.com/interviewapi/operator/internal/poolhealth"
)

// version is stamped at build time: go build -ldflags "-X main.version=v0.1.0".
var version = "dev"

// leaderElectionID names the Lease the replicas compete for.
const leaderElectionID = "interviewapi-operator.apps.interviewapi.io"

// inClusterNamespaceFile is where a pod finds its own namespace.
const inClusterNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

func main() {
	if err := run(ctrl.SetupSignalHandler(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "interviewapi-operator: %v\n", err)
		os.Exit(1)
	}
}

// run starts the manager and blocks until ctx is done or the manager fails; with the
// first argument `check` it runs the Helm test's readiness check instead.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) > 0 && args[0] == "check" {
		return runCheck(ctx, args[1:], stdout)
	}
	o, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if o.showVersion {
		_, err := fmt.Fprintf(stdout, "interviewapi-operator %s\n", version)
		return err
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&o.zap)))
	log := ctrl.Log.WithName("setup")

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("find the cluster: %w", err)
	}
	if o.leaderElect && o.leaderElectionNamespace == "" {
		if o.leaderElectionNamespace, err = defaultLeaderElectionNamespace(); err != nil {
			return err
		}
	}
	scheme, err := newScheme()
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme,
		Metrics:                       metricsOptions(o.metricsAddr, o.metricsSecure, o.metricsCertDir),
		HealthProbeBindAddress:        o.probeAddr,
		LeaderElection:                o.leaderElect,
		LeaderElectionID:              leaderElectionID,
		LeaderElectionNamespace:       o.leaderElectionNamespace,
		LeaderElectionReleaseOnCancel: true,
		Cache:                         controllers.CacheOptions(o.namespaces),
	})
	if err != nil {
		return fmt.Errorf("create the manager: %w", err)
	}
	m := opmetrics.New(version)
	if err := m.Register(metrics.Registry); err != nil {
		return err
	}
	clk := clock.RealClock{}
	recorder := mgr.GetEventRecorder(controllers.FieldOwner)
	notifier := controllers.NewNotifier(recorder, m, notify.Options{})
	if err := mgr.Add(notifier); err != nil {
		return fmt.Errorf("add the notification dispatcher: %w", err)
	}
	r := &controllers.InterviewAPIReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  recorder,
		Metrics:   m,
		Clock:     clk,
		Sources: controllers.NewPoolHealthSources(
			poolhealth.NewScrapeSource(poolhealth.WithScrapeTimeout(o.scrapeTimeout), poolhealth.WithClock(clk.Now)),
			poolhealth.WithMinRange(o.prometheusMinRange), poolhealth.WithPrometheusClock(clk.Now)).
			AllowPrometheus(o.allowedPrometheus),
		MaxConcurrentReconciles: o.maxConcurrentReconciles,
		ReconcileTimeout:        o.reconcileTimeout,
		AnalysisTimeout:         o.analysisTimeout,
		AdviceInterval:          o.adviceInterval,
		Notifier:                notifier,
		AllowedNotificationURLs: o.allowedNotifications,
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("set up the controller: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("add the health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("add the readiness check: %w", err)
	}
	namespaces := "all"
	if len(o.namespaces) > 0 {
		namespaces = strings.Join(o.namespaces, ",")
	}
	log.Info("starting the operator", "version", version, "host", cfg.Host, "namespaces", namespaces,
		"leaderElection", o.leaderElect, "metrics", o.metricsAddr, "metricsSecure", o.metricsSecure, "probes", o.probeAddr,
		"allowedPrometheusURLs", o.allowedPrometheus.String(), "allowedNotificationURLs", o.allowedNotifications.String(),
		"adviceInterval", o.adviceInterval)
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("run the manager: %w", err)
	}
	return nil
}

// defaultLeaderElectionNamespace is the pod's own namespace in a cluster, else the
// namespace of the kubeconfig's current context (as kubectl picks it), so that
// `make run` elects a leader too.
func defaultLeaderElectionNamespace() (string, error) {
	if b, err := os.ReadFile(inClusterNamespaceFile); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	ns, _, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).Namespace()
	if err != nil {
		return "", fmt.Errorf("find a namespace for the leader-election Lease (set --leader-election-namespace): %w", err)
	}
	return ns, nil
}

// newScheme knows the built-in kinds the operator owns and the InterviewAPI kind.
func newScheme() (*runtime.Scheme, error) {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("register the built-in kinds: %w", err)
	}
	if err := iapiv1alpha1.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("register the InterviewAPI kind: %w", err)
	}
	return s, nil
}
