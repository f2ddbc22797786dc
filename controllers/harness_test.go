package controllers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/clock"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/controllers"
	"github.com/interviewapi/operator/internal/notify"
	"github.com/interviewapi/operator/internal/opmetrics"
	"github.com/interviewapi/operator/internal/urlallow"
	"github.com/interviewapi/operator/test/envtest"
	"github.com/interviewapi/operator/test/syncbuf"
)

// operatorServiceAccount is the identity config/default gives the operator
// (namespace and name prefix applied to config/rbac/service_account.yaml).
const operatorServiceAccount = "system:serviceaccount:interviewapi-system:interviewapi-controller-manager"

// waitTimeout bounds every wait for the operator to react; it reacts in well under a
// second, the margin is for a loaded machine.
const waitTimeout = 30 * time.Second

// operator is the reconciler running in a manager against the test API server as the
// operator's service account, so that the RBAC of config/ is what authorises it, with
// every write request it sends counted.
type operator struct {
	reconciler *controllers.InterviewAPIReconciler
	// client is the operator's own client (cached reads, impersonated writes).
	client client.Client
	writes *writeCounter
	// metrics is the private registry of the operator's own metrics.
	metrics *prometheus.Registry
	// stop stops the manager and waits for it; it is called at the end of the test
	// too, and only the first call acts.
	stop func()
	// elected is closed once this operator leads (at once without leader election).
	elected <-chan struct{}
}

// operatorConfig are the knobs of startOperator.
type operatorConfig struct {
	clock      clock.PassiveClock
	sources    controllers.MetricSources
	namespaces []string
	// driven: no controller runs in the manager; the test calls Reconcile itself and
	// so decides exactly when each pass happens. The manager still runs the cache
	// and the Event recorder.
	driven bool
	// reconcileTimeout and analysisTimeout are the reconciler's deadlines (0: its
	// defaults).
	reconcileTimeout, analysisTimeout time.Duration
	// election, when set, makes the operator compete for this Lease in the operator's
	// namespace, as the command's --leader-elect does.
	election *leaderElection
	// notifications, when set, gives the operator a notification dispatcher that
	// allows these addresses.
	notifications *urlallow.List
	// requests, when set, records every request the operator sends.
	requests *requestLog
	// adviceInterval is the reconciler's AdviceInterval (0: no steady-state samples).
	adviceInterval time.Duration
}

// withAdviceInterval samples the stable pods for the pool advice every d.
func withAdviceInterval(d time.Duration) operatorOption {
	return func(o *operatorConfig) { o.adviceInterval = d }
}

// withNotifications gives the operator a dispatcher with fast retries and the allow-list.
func withNotifications(allowed *urlallow.List) operatorOption {
	return func(o *operatorConfig) { o.notifications = allowed }
}

// withRequestLog records every request the operator sends in l.
func withRequestLog(l *requestLog) operatorOption {
	return func(o *operatorConfig) { o.requests = l }
}

// requestLog records requests: method, path and query.
type requestLog struct {
	mu       sync.Mutex
	requests []string
}

func (l *requestLog) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		l.mu.Lock()
		l.requests = append(l.requests, req.Method+" "+req.URL.Path+"?"+req.URL.RawQuery)
		l.mu.Unlock()
		return rt.RoundTrip(req)
	})
}

// matching lists the recorded requests whose line holds sub.
func (l *requestLog) matching(sub string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.requests {
		if strings.Contains(r, sub) {
			out = append(out, r)
		}
	}
	return out
}

// leaderElection are the Lease settings of an operator that competes for leadership.
type leaderElection struct {
	id string
	// release gives the Lease up when the operator stops (the command does, on
	// SIGTERM); without it a stopped leader is like a crashed one, and the next
	// leader waits for the Lease to expire.
	release bool
}

// Lease timings of the tests' elections: short, so that a takeover after a crash
// takes seconds, yet with a renew deadline a loaded two-core machine meets (a leader
// that misses it loses the Lease mid-test); controller-runtime's defaults are 15s,
// 10s and 2s.
const (
	testLeaseDuration = 6 * time.Second
	testRenewDeadline = 4 * time.Second
	testRetryPeriod   = time.Second
)

// operatorNamespace holds the leader-election Lease and Role (config/default).
const operatorNamespace = "interviewapi-system"

type operatorOption func(*operatorConfig)

// withClock makes the operator read the time from c.
func withClock(c clock.PassiveClock) operatorOption {
	return func(o *operatorConfig) { o.clock = c }
}

// withSources makes the operator measure canaries with s.
func withSources(s controllers.MetricSources) operatorOption {
	return func(o *operatorConfig) { o.sources = s }
}

// inNamespaces restricts the operator to namespaces, as --namespace does, so that
// several operators can share one API server.
func inNamespaces(ns ...string) operatorOption {
	return func(o *operatorConfig) { o.namespaces = ns }
}

// withTimeouts sets the deadlines of a pass and of its analysis.
func withTimeouts(reconcile, analysis time.Duration) operatorOption {
	return func(o *operatorConfig) { o.reconcileTimeout, o.analysisTimeout = reconcile, analysis }
}

// driven leaves the passes to the test (see operatorConfig.driven).
func driven() operatorOption {
	return func(o *operatorConfig) { o.driven = true }
}

// withLeaderElection makes the operator compete for the Lease id.
func withLeaderElection(id string, release bool) operatorOption {
	return func(o *operatorConfig) { o.election = &leaderElection{id: id, release: release} }
}

// startWithOperatorRBAC starts an API server of the test's own with config/default
// applied, so that the operator's service account has the RBAC the product gives it.
func startWithOperatorRBAC(t *testing.T) *envtest.Env {
	t.Helper()
	e := envtest.Start(t)
	kubectl(t, kubeconfigFile(t, e.Config), "apply", "-k", "config/default")
	return e
}

// startOperator runs the manager until the test ends. The RBAC of config/default must
// already be applied.
func startOperator(t testing.TB, e *envtest.Env, opts ...operatorOption) *operator {
	t.Helper()
	var oc operatorConfig
	for _, o := range opts {
		o(&oc)
	}
	writes := &writeCounter{}
	logs := &syncbuf.Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("operator log:\n%s", logs.String())
		}
	})
	cfg := rest.CopyConfig(e.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: operatorServiceAccount}
	cfg.Wrap(writes.wrap)
	if oc.requests != nil {
		cfg.Wrap(oc.requests.wrap)
	}

	mgrOpts := ctrl.Options{
		Scheme:                 e.Scheme,
		Logger:                 zap.New(zap.WriteTo(logs)),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Without election by default: Lease renewals would be writes of their own.
		LeaderElection: oc.election != nil,
		Cache:          controllers.CacheOptions(oc.namespaces),
		Controller:     config.Controller{SkipNameValidation: ptr.To(true)},
	}
	if el := oc.election; el != nil {
		mgrOpts.LeaderElectionID = el.id
		mgrOpts.LeaderElectionNamespace = operatorNamespace
		mgrOpts.LeaderElectionReleaseOnCancel = el.release
		mgrOpts.LeaseDuration = ptr.To(testLeaseDuration)
		mgrOpts.RenewDeadline = ptr.To(testRenewDeadline)
		mgrOpts.RetryPeriod = ptr.To(testRetryPeriod)
	}
	mgr, err := ctrl.NewManager(cfg, mgrOpts)
	if err != nil {
		t.Fatalf("create the manager: %v", err)
	}
	reg := prometheus.NewRegistry()
	m := opmetrics.New("test")
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	r := &controllers.InterviewAPIReconciler{
		Client:    mgr.GetClient(),
		APIReader: mgr.GetAPIReader(),
		Recorder:  mgr.GetEventRecorder(controllers.FieldOwner),
		Metrics:   m,
		Clock:     oc.clock,
		Sources:   oc.sources,

		ReconcileTimeout: oc.reconcileTimeout,
		AnalysisTimeout:  oc.analysisTimeout,
		AdviceInterval:   oc.adviceInterval,
	}
	if oc.notifications != nil {
		d := controllers.NewNotifier(r.Recorder, m, notify.Options{Backoff: &wait.Backoff{Duration: 10 * time.Millisecond, Factor: 2, Steps: 3}})
		if err := mgr.Add(d); err != nil {
			t.Fatal(err)
		}
		r.Notifier, r.AllowedNotificationURLs = d, oc.notifications
	}
	if oc.driven {
		if r.Clock == nil || r.Sources == nil {
			t.Fatal("a driven operator needs withClock and withSources")
		}
	} else if err := r.SetupWithManager(mgr); err != nil {
		t.Fatalf("set up the controller: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("manager: %v", err)
				}
			case <-time.After(waitTimeout):
				t.Error("the manager did not stop")
			}
		})
	}
	t.Cleanup(stop)
	syncCtx, syncCancel := context.WithTimeout(ctx, waitTimeout)
	defer syncCancel()
	if oc.driven {
		// Without a controller nothing asks the cache for the kinds the reconciler
		// reads; ask now so that the first pass does not wait for them.
		for _, obj := range []client.Object{&iapiv1alpha1.InterviewAPI{}, &appsv1.Deployment{}, &corev1.Service{}, &policyv1.PodDisruptionBudget{}} {
			if _, err := mgr.GetCache().GetInformer(syncCtx, obj); err != nil {
				t.Fatalf("start the cache of %T: %v", obj, err)
			}
		}
	}
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		t.Fatal("the manager's cache did not sync")
	}
	return &operator{reconciler: r, client: mgr.GetClient(), writes: writes, metrics: reg, stop: stop, elected: mgr.Elected()}
}

// impersonatedClient is an uncached client acting as the operator's service account.
func impersonatedClient(t *testing.T, e *envtest.Env) client.Client {
	t.Helper()
	cfg := rest.CopyConfig(e.Config)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: operatorServiceAccount}
	c, err := client.New(cfg, client.Options{Scheme: e.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeCounter records every request that is not a read (GET covers watches too),
// with the time its response arrived.
type writeCounter struct {
	mu       sync.Mutex
	requests []string
	answered []time.Time
}

func (w *writeCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(req)
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			w.mu.Lock()
			w.requests = append(w.requests, req.Method+" "+req.URL.Path)
			w.answered = append(w.answered, time.Now())
			w.mu.Unlock()
		}
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// firstAfter is when the first write to a path ending in suffix was answered, among
// the writes answered after t.
func (w *writeCounter) firstAfter(t time.Time, suffix string) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, r := range w.requests {
		if w.answered[i].After(t) && strings.HasSuffix(r, suffix) {
			return w.answered[i], true
		}
	}
	return time.Time{}, false
}

// count is the number of writes so far.
func (w *writeCounter) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.requests)
}

// since lists the writes after the first n.
func (w *writeCounter) since(n int) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.requests[n:]...)
}

// waitQuiet waits until the operator has sent no write for a while, so that late
// work of earlier steps (Events are sent asynchronously) is not counted later.
func (w *writeCounter) waitQuiet(t *testing.T, quiet time.Duration) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	last := w.count()
	for time.Now().Before(deadline) {
		time.Sleep(quiet)
		n := w.count()
		if n == last {
			return
		}
		last = n
	}
	t.Fatalf("the operator kept writing for %s: %v", waitTimeout, w.since(max(0, last-10)))
}

// eventually polls check until it returns nil, failing the test with the last error
// after waitTimeout.
func eventually(t testing.TB, what string, check func() error) {
	t.Helper()
	eventuallyWithin(t, waitTimeout, what, check)
}

// eventuallyWithin is eventually with another bound, for waits on the real clock that
// span several analysis intervals.
func eventuallyWithin(t testing.TB, timeout time.Duration, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for {
		if err = check(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kubeconfigFile writes a kubeconfig for the test API server, for kubectl.
func kubeconfigFile(t testing.TB, cfg *rest.Config) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken,
	}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// kubectl runs the kubectl built by `make tools` and returns its standard output.
func kubectl(t testing.TB, kubeconfig string, args ...string) string {
	t.Helper()
	bin := filepath.Join(envtest.Assets(), "kubectl")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("kubectl not found in %s: run `make tools`", envtest.Assets())
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--kubeconfig", kubeconfig}, args...)...)
	cmd.Dir = envtest.RepoRoot()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			err = fmt.Errorf("%w: %s", err, stderr.String())
		}
		t.Fatalf("kubectl %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String()
}
