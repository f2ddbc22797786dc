package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/interviewapi/operator/controllers"
	"github.com/interviewapi/operator/internal/advice"
	"github.com/interviewapi/operator/internal/poolhealth"
	"github.com/interviewapi/operator/internal/urlallow"
)

// options are the operator's command line.
type options struct {
	metricsAddr             string
	metricsSecure           bool
	metricsCertDir          string
	probeAddr               string
	leaderElect             bool
	leaderElectionNamespace string
	namespaces              []string
	logLevel                string
	showVersion             bool
	zap                     zap.Options

	// maxConcurrentReconciles is how many instances are reconciled at once.
	maxConcurrentReconciles int
	// scrapeTimeout bounds the scrape of one pod's /metrics in an analysis.
	scrapeTimeout time.Duration
	// prometheusMinRange is the shortest range of the PromQL queries of an analysis
	// that reads spec.rollout.analysis.prometheus.
	prometheusMinRange time.Duration
	// allowedPrometheus are the Prometheus addresses a spec may name.
	allowedPrometheus *urlallow.List
	// allowedNotifications are the addresses a notification receiver may have.
	allowedNotifications *urlallow.List
	// reconcileTimeout bounds one reconcile pass, analysisTimeout the analysis in it.
	reconcileTimeout time.Duration
	analysisTimeout  time.Duration
	// adviceInterval is how often the stable pods are sampled for the pool advice.
	adviceInterval time.Duration
}

// logLevels maps --log-level to zap's levels; controller-runtime's V(1) logs are debug.
var logLevels = map[string]zapcore.Level{
	"debug": zapcore.DebugLevel,
	"info":  zapcore.InfoLevel,
	"error": zapcore.ErrorLevel,
}

// parseFlags reads the command line. --kubeconfig is controller-runtime's own flag,
// read by ctrl.GetConfig; the zap flags (--zap-devel, --zap-encoder, ...) tune logging.
func parseFlags(args []string, output io.Writer) (options, error) {
	o := options{}
	fs := flag.NewFlagSet("interviewapi-operator", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8080",
		`Address of the Prometheus /metrics endpoint; "0" turns it off.`)
	fs.BoolVar(&o.metricsSecure, "metrics-secure", true,
		"Serve /metrics over HTTPS to callers allowed to get the non-resource URL /metrics (TokenReview and SubjectAccessReview); false serves plain HTTP to anyone, for local runs.")
	fs.StringVar(&o.metricsCertDir, "metrics-cert-dir", "",
		"Folder holding tls.crt and tls.key for the HTTPS /metrics; empty: a self-signed certificate made at start.")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8081",
		`Address of the /healthz and /readyz endpoints; "0" turns them off.`)
	fs.BoolVar(&o.leaderElect, "leader-elect", true,
		"Elect a leader through a Lease so that only one replica reconciles at a time.")
	fs.StringVar(&o.leaderElectionNamespace, "leader-election-namespace", "",
		"Namespace of the leader-election Lease; default: the pod's namespace in a cluster, the kubeconfig context's namespace outside.")
	fs.Func("namespace",
		"Namespace whose InterviewAPIs are reconciled; repeat the flag or give a comma-separated list. Default: every namespace.",
		func(v string) error {
			for _, ns := range strings.Split(v, ",") {
				ns = strings.TrimSpace(ns)
				if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
					return fmt.Errorf("%q is not a namespace name: %s", ns, strings.Join(errs, "; "))
				}
				if !slices.Contains(o.namespaces, ns) {
					o.namespaces = append(o.namespaces, ns)
				}
			}
			return nil
		})
	fs.IntVar(&o.maxConcurrentReconciles, "max-concurrent-reconciles", 4,
		"How many InterviewAPIs are reconciled at once; an analysis waits for its pods' metrics, so one slow instance does not hold up the others.")
	fs.DurationVar(&o.scrapeTimeout, "scrape-timeout", poolhealth.DefaultScrapeTimeout,
		"How long an analysis waits for one server pod's /metrics; a pod that does not answer makes the analysis inconclusive.")
	fs.DurationVar(&o.prometheusMinRange, "prometheus-min-range", poolhealth.DefaultMinRange,
		"Shortest range of the PromQL queries when spec.rollout.analysis.prometheus is set; make it at least 4 times Prometheus' scrape interval.")
	allowedPrometheus := fs.String("allowed-prometheus-urls", strings.Join(urlallow.Default, ","),
		"Comma-separated URL prefixes ([scheme://]host[:port][/path], host may be *.SUFFIX) that spec.rollout.analysis.prometheus.address may name; anything else is refused before any request. Empty: none.")
	allowedNotifications := fs.String("allowed-notification-urls", strings.Join(controllers.DefaultAllowedNotificationURLs, ","),
		"Comma-separated URL prefixes, as --allowed-prometheus-urls, that a spec.rollout.notifications receiver's address may have; anything else is refused before any request. Empty: none.")
	fs.DurationVar(&o.reconcileTimeout, "reconcile-timeout", controllers.DefaultReconcileTimeout,
		"Deadline of one reconcile pass of one instance, every API request and analysis in it included.")
	fs.DurationVar(&o.analysisTimeout, "analysis-timeout", controllers.DefaultAnalysisTimeout,
		"Deadline of one analysis (its scrapes or Prometheus queries); a source that has not answered by then makes it inconclusive. A change of the instance interrupts it at once.")
	fs.DurationVar(&o.adviceInterval, "advice-interval", controllers.DefaultAdviceInterval,
		"How often the server pods of an instance with no rollout are sampled (one window of their /metrics) for the pool advice in status.recommendation; 0 samples none, and only rollouts' windows feed the advice.")
	fs.StringVar(&o.logLevel, "log-level", "info", "Log level: debug, info or error (--zap-log-level, when given, wins).")
	fs.BoolVar(&o.showVersion, "version", false, "Print the version and exit.")
	config.RegisterFlags(fs)
	o.zap.BindFlags(fs)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.maxConcurrentReconciles < 1 {
		return o, fmt.Errorf("--max-concurrent-reconciles %d: want at least 1", o.maxConcurrentReconciles)
	}
	if o.scrapeTimeout <= 0 {
		return o, fmt.Errorf("--scrape-timeout %s: want a positive duration", o.scrapeTimeout)
	}
	var err error
	if o.allowedPrometheus, err = urlallow.Parse(strings.Split(*allowedPrometheus, ",")); err != nil {
		return o, fmt.Errorf("--allowed-prometheus-urls: %w", err)
	}
	if o.allowedNotifications, err = urlallow.Parse(strings.Split(*allowedNotifications, ",")); err != nil {
		return o, fmt.Errorf("--allowed-notification-urls: %w", err)
	}
	if o.analysisTimeout <= 0 || o.reconcileTimeout <= o.analysisTimeout {
		return o, fmt.Errorf("--analysis-timeout %s, --reconcile-timeout %s: want a positive analysis timeout shorter than the reconcile timeout", o.analysisTimeout, o.reconcileTimeout)
	}
	if o.scrapeTimeout > o.analysisTimeout {
		return o, fmt.Errorf("--scrape-timeout %s is longer than --analysis-timeout %s: a slow pod would fail the whole analysis", o.scrapeTimeout, o.analysisTimeout)
	}
	if o.adviceInterval != 0 && o.adviceInterval < advice.MinWindow {
		return o, fmt.Errorf("--advice-interval %s: want 0 or at least %s, the shortest window the pool advice rests on", o.adviceInterval, advice.MinWindow)
	}
	if o.prometheusMinRange <= 0 {
		return o, fmt.Errorf("--prometheus-min-range %s: want a positive duration", o.prometheusMinRange)
	}
	level, ok := logLevels[o.logLevel]
	if !ok {
		return o, fmt.Errorf("--log-level %q: want debug, info or error", o.logLevel)
	}
	if o.zap.Level == nil {
		o.zap.Level = level
	}
	return o, nil
}
