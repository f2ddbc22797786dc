package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Options configure a local cluster. The zero value works from inside the repository.
type Options struct {
	// Dir holds everything the cluster writes (see the package documentation). It is
	// emptied of an earlier cluster's files at start. Default: .localcluster in the
	// repository.
	Dir string
	// BinDir is where image binaries are looked up (relative paths in Images).
	// Default: bin in the repository.
	BinDir string
	// KubernetesBinDir holds etcd, kube-apiserver and kube-controller-manager.
	// Default: $KUBEBUILDER_ASSETS, else BinDir/k8s.
	KubernetesBinDir string
	// Images maps image repositories (full, or their last path element) to local
	// binaries; entries are added to DefaultImages, replacing same keys.
	Images map[string]string
	// NoDatabase skips PostgreSQL and the interview-db Secret.
	NoDatabase bool
	// PostgresScript is hack/postgres.sh. Default: found in the repository.
	PostgresScript string
	// CRDPaths are CRD manifests (files or folders) installed before Start returns.
	CRDPaths []string
	// Log receives the cluster's own log besides DIR/logs/localcluster.log.
	Log io.Writer
	// NodeName names the one Node. Default: localcluster.
	NodeName string
	// StartTimeout bounds Start. Default: 2 minutes.
	StartTimeout time.Duration
	// Node selects the node (real, process or auto). Default: NodeAuto.
	Node NodeKind
	// ImageArchives are the image archives (OCI layout tarballs, `make images`) the
	// real node imports into containerd at start. Default: BinDir/images/*.tar.
	ImageArchives []string
	// ImageTags are more tags each imported image gets besides its own, e.g. the tag a
	// test's manifests name. The process node ignores them, as it ignores tags.
	ImageTags []string
}

// StartupTimes tell how long start-up took, from the call to Start.
type StartupTimes struct {
	APIServerReady time.Duration // kube-apiserver answers /readyz
	Ready          time.Duration // Start returned: controllers, node, proxy, database
}

// Cluster is a running local cluster.
type Cluster struct {
	// Dir is the cluster's directory (absolute).
	Dir string
	// Kubeconfig is the admin kubeconfig file (DIR/kubeconfig).
	Kubeconfig string
	// RESTConfig is the admin client configuration.
	RESTConfig *rest.Config
	// Clientset is an admin client.
	Clientset kubernetes.Interface
	// APIServerURL is the API server's address (https://127.0.0.1:PORT).
	APIServerURL string
	// DatabaseURL is the PostgreSQL URL held in default/interview-db ("" with NoDatabase).
	DatabaseURL string
	// NodeName is the one Node's name.
	NodeName string
	// Images is the image map in use: repository → binary path.
	Images map[string]string
	// PodAddresses is the range pods get their addresses from ("127.0.0.10-127.0.0.254"):
	// clusters running side by side on one machine get different ranges.
	PodAddresses string
	// Times measured during Start.
	Times StartupTimes
	// Node is the node that runs (NodeReal or NodeProcess) and NodeReason why.
	Node       NodeKind
	NodeReason string

	layout    layout
	log       *slog.Logger
	logFile   *os.File
	cp        *controlPlane
	db        *database
	agent     *agent
	proxy     *serviceProxy
	logs      *logServer
	events    record.EventBroadcaster
	addrLock  *os.File
	stopNode  context.CancelFunc
	real      *realNode
	apiFwd    *forwarder
	podLogs   *podLogCopier
	informers informers.SharedInformerFactory
	stopInf   chan struct{}

	dbMu     sync.Mutex
	stopOnce sync.Once
	stopErr  error
}

// Start brings a cluster up and returns when it is ready: API server, controllers,
// node, service proxy, database and its Secret. ctx bounds start-up only; the cluster
// runs until Stop. On error everything started so far is stopped.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	begin := time.Now()
	if err := opts.fillDefaults(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()

	c := &Cluster{Dir: opts.Dir, NodeName: opts.NodeName, Images: map[string]string{}, layout: layout{dir: opts.Dir}}
	kind, reason, err := chooseNode(&opts)
	if err != nil {
		return nil, err
	}
	c.Node, c.NodeReason = kind, reason
	if kind == NodeReal {
		if c.real, err = newRealNode(ctx, opts); err != nil {
			return nil, err
		}
	}
	for repo, bin := range opts.Images {
		if !filepath.IsAbs(bin) {
			bin = filepath.Join(opts.BinDir, bin)
		}
		c.Images[repo] = bin
	}
	if !opts.NoDatabase {
		c.db = &database{script: opts.PostgresScript, dir: c.layout.postgres()}
		if err := c.db.stopLeftover(ctx); err != nil {
			return nil, err
		}
	}
	if err := c.layout.reset(); err != nil {
		return nil, err
	}
	if err := c.openLog(opts.Log); err != nil {
		return nil, err
	}
	if err := c.start(ctx, opts, begin); err != nil {
		c.log.Error("start failed", "err", err)
		_ = c.Stop()
		return nil, err
	}
	c.Times.Ready = time.Since(begin)
	c.log.Info("cluster ready", "node", c.Node, "why", c.NodeReason, "apiserver", c.APIServerURL, "kubeconfig", c.Kubeconfig,
		"apiserverReady", c.Times.APIServerReady, "ready", c.Times.Ready)
	return c, nil
}

func (c *Cluster) start(ctx context.Context, opts Options, begin time.Time) error {
	// The database initialises while the control plane starts, and the controller
	// manager while the node comes up. Whatever happens, start returns only after both
	// have finished, so that Stop never races with them.
	dbDone := background(func() error {
		if c.db == nil {
			return nil
		}
		url, err := c.db.start(ctx)
		c.DatabaseURL = url
		return err
	})
	defer dbDone.finish()

	var extraIPs []net.IP
	if c.real != nil {
		extraIPs = apiserverSANs()
	}
	creds, err := newCredentials(c.layout.pki(), extraIPs)
	if err != nil {
		return err
	}
	c.cp = &controlPlane{layout: c.layout, k8sBinDir: opts.KubernetesBinDir, creds: creds, net: hostNet()}
	if c.real != nil {
		c.real.log = c.log
		if c.cp.net, err = c.real.setUpNetwork(ctx); err != nil {
			return err
		}
	}
	if err := c.cp.startEtcd(ctx); err != nil {
		return err
	}
	if err := c.cp.startAPIServer(ctx); err != nil {
		return err
	}
	c.Times.APIServerReady = time.Since(begin)
	c.APIServerURL = c.cp.apiserverURL
	if c.real != nil {
		// The host reaches the API server in the namespace through 127.0.0.1.
		if c.apiFwd, err = c.real.bridgeToHost("kube-apiserver", c.cp.apiserverURL); err != nil {
			return err
		}
		c.APIServerURL = "https://" + c.apiFwd.addr()
	}
	c.log.Info("control plane up", "etcd", c.cp.etcdURL, "apiserver", c.APIServerURL, "after", c.Times.APIServerReady)

	c.Kubeconfig = c.layout.kubeconfig()
	if err := writeCertKubeconfig(c.Kubeconfig, c.APIServerURL, creds.ca.pem, "localcluster-admin", creds.admin); err != nil {
		return err
	}
	kcmKubeconfig := filepath.Join(c.layout.pki(), "kube-controller-manager.kubeconfig")
	if err := writeCertKubeconfig(kcmKubeconfig, c.cp.apiserverURL, creds.ca.pem, "system:kube-controller-manager", creds.controllerManager); err != nil {
		return err
	}
	if c.real != nil {
		if err := os.MkdirAll(c.layout.node(), 0o755); err != nil {
			return err
		}
		if err := writeCertKubeconfig(c.layout.nodeKubeconfig(), c.cp.apiserverURL, creds.ca.pem, "localcluster-admin", creds.admin); err != nil {
			return err
		}
	}
	if c.RESTConfig, err = restConfigFor(c.Kubeconfig); err != nil {
		return err
	}
	c.RESTConfig.QPS, c.RESTConfig.Burst = 100, 200
	clientset, err := kubernetes.NewForConfig(c.RESTConfig)
	if err != nil {
		return fmt.Errorf("admin client: %w", err)
	}
	c.Clientset = clientset

	// The controller manager starts while the node comes up; its readiness is
	// awaited below.
	kcmReady := background(func() error { return c.cp.startControllerManager(ctx, kcmKubeconfig, clientset) })
	defer kcmReady.finish()

	if c.real != nil {
		err = c.startRealNode(ctx, creds, opts)
	} else {
		err = c.startNode(ctx, creds, opts)
	}
	if err != nil {
		return err
	}
	if len(opts.CRDPaths) > 0 {
		if _, err := envtest.InstallCRDs(c.RESTConfig, envtest.CRDInstallOptions{
			Paths: opts.CRDPaths, ErrorIfPathMissing: true, MaxTime: time.Minute,
		}); err != nil {
			return fmt.Errorf("install CRDs: %w", err)
		}
	}
	if err := kcmReady.wait(); err != nil {
		return err
	}
	if err := dbDone.wait(); err != nil {
		return err
	}
	if c.db != nil {
		if c.real != nil {
			if err := c.real.startDatabaseBridge(c.DatabaseURL); err != nil {
				return err
			}
		}
		if err := ensureDatabaseSecret(ctx, clientset, c.PodDatabaseURL(c.DatabaseURL)); err != nil {
			return err
		}
	}
	if err := c.writeEnvFile(); err != nil {
		return err
	}
	return os.WriteFile(c.layout.readyFile(), []byte(time.Now().Format(time.RFC3339)+"\n"), 0o644)
}

// task is work running in the background; wait returns its error, as often as asked.
type task struct {
	done chan struct{}
	err  error
}

func background(fn func() error) *task {
	t := &task{done: make(chan struct{})}
	go func() {
		defer close(t.done)
		t.err = fn()
	}()
	return t
}

func (t *task) wait() error {
	<-t.done
	return t.err
}

// finish waits for the task without reading its error: the deferred cleanup of an
// early return, where the error that caused the return is the one reported (the
// normal path reads the task's error with wait).
func (t *task) finish() { <-t.done }

// startNode registers the Node and starts its agent, the kubelet API and the service
// proxy.
func (c *Cluster) startNode(ctx context.Context, creds *credentials, opts Options) error {
	c.events = record.NewBroadcaster()
	c.events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: c.Clientset.CoreV1().Events("")})
	recorder := c.events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: c.NodeName})

	addrs, lock, err := reserveAddressBlock()
	if err != nil {
		return err
	}
	c.addrLock = lock
	c.PodAddresses = addrs.first.String() + "-" + addrs.last.String()
	c.agent = &agent{
		client:       c.Clientset,
		nodeName:     c.NodeName,
		hostIP:       "127.0.0.1",
		apiserverURL: c.APIServerURL,
		caPEM:        creds.ca.pem,
		layout:       c.layout,
		images:       imageResolver{binDir: opts.BinDir, images: opts.Images},
		env:          envSource{client: c.Clientset, allocatable: nodeAllocatable()},
		addrs:        addrs,
		backoff:      backoffPolicy{initial: time.Second, max: 30 * time.Second, resetAfter: time.Minute},
		prober:       newProber(),
		recorder:     recorder,
		log:          c.log,
	}
	logs, err := startLogServer(c.layout, creds, c.agent.podRunning, c.log)
	if err != nil {
		return err
	}
	c.logs = logs
	n := &node{client: c.Clientset, name: c.NodeName, hostIP: "127.0.0.1", kubeletPort: logs.port, log: c.log}
	if err := n.register(ctx); err != nil {
		return err
	}
	nodeCtx, stopNode := context.WithCancel(context.Background())
	c.stopNode = stopNode
	go n.heartbeat(nodeCtx)

	c.informers = informers.NewSharedInformerFactory(c.Clientset, 0)
	pods := c.informers.Core().V1().Pods().Informer()
	services := c.informers.Core().V1().Services().Informer()
	if err := c.agent.watch(pods); err != nil {
		return err
	}
	if c.proxy, err = newServiceProxy(pods, services, c.layout.servicesFile(), podBackends, c.log); err != nil {
		return err
	}
	if err := c.startInformers(ctx); err != nil {
		return err
	}
	c.agent.start()
	c.proxy.start()
	return nil
}

// startInformers starts the node's watches and waits until their caches hold the
// cluster's state.
func (c *Cluster) startInformers(ctx context.Context) error {
	c.stopInf = make(chan struct{})
	c.informers.Start(c.stopInf)
	for typ, synced := range c.informers.WaitForCacheSync(ctx.Done()) {
		if !synced {
			return fmt.Errorf("cache of %v did not sync", typ)
		}
	}
	return nil
}

// Stop stops everything the cluster started: pods first (SIGTERM, then SIGKILL after
// at most 5s), then the proxy, the controllers, the API server, etcd and PostgreSQL.
// It returns once every process has ended. Calling it again does nothing.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() {
		var errs []error
		_ = os.Remove(c.layout.readyFile())
		if c.agent != nil {
			c.agent.stop()
		}
		if c.proxy != nil {
			c.proxy.stop()
		}
		if c.podLogs != nil {
			c.podLogs.stop()
		}
		if c.apiFwd != nil {
			c.apiFwd.close()
		}
		if c.real != nil {
			c.real.stopPrograms()
		}
		if c.stopNode != nil {
			c.stopNode()
		}
		if c.logs != nil {
			c.logs.stop()
		}
		if c.events != nil {
			c.events.Shutdown()
		}
		if c.stopInf != nil {
			close(c.stopInf)
			c.informers.Shutdown()
		}
		if c.cp != nil {
			c.cp.stop()
		}
		if c.real != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if err := c.real.restoreMachine(ctx); err != nil {
				errs = append(errs, fmt.Errorf("undo the real node's changes to the machine: %w", err))
			}
			cancel()
		}
		if c.addrLock != nil {
			c.addrLock.Close()
		}
		if c.db != nil {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			if err := c.db.stop(ctx); err != nil {
				errs = append(errs, err)
			}
			cancel()
		}
		if c.log != nil {
			c.log.Info("cluster stopped")
		}
		if c.logFile != nil {
			c.logFile.Close()
		}
		c.stopErr = errors.Join(errs...)
	})
	return c.stopErr
}

// ServiceAddr is the local address (127.0.0.1:PORT) where the service proxy serves a
// Service's port.
func (c *Cluster) ServiceAddr(namespace, name string, port int32) (string, error) {
	key := servicePortKey{namespace, name, port}.String()
	if addr, ok := c.proxy.mapping()[key]; ok {
		return addr, nil
	}
	return "", fmt.Errorf("service port %s is not proxied (no such Service, port or a non-TCP port)", key)
}

// WaitServiceAddr waits until a Service's port is proxied and returns its address.
func (c *Cluster) WaitServiceAddr(ctx context.Context, namespace, name string, port int32) (string, error) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		addr, err := c.ServiceAddr(namespace, name, port)
		if err == nil && c.real != nil {
			err = c.serviceAnswers(ctx, namespace, name, port)
		}
		if err == nil {
			return addr, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w: %w", err, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// serviceAnswers checks that kube-proxy sends connections to a Service port's
// ClusterIP to a pod: its rules follow the pods' readiness a moment later.
func (c *Cluster) serviceAnswers(ctx context.Context, namespace, name string, port int32) error {
	svc, err := c.Clientset.CoreV1().Services(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	conn, err := c.DialPod(ctx, "tcp", net.JoinHostPort(svc.Spec.ClusterIP, strconv.Itoa(int(port))))
	if err != nil {
		return fmt.Errorf("service %s/%s:%d does not answer yet: %w", namespace, name, port, err)
	}
	return conn.Close()
}

// Services is the proxy's whole mapping: "namespace/name:port" → 127.0.0.1:PORT (the
// content of DIR/services.json).
func (c *Cluster) Services() map[string]string { return c.proxy.mapping() }

// PodLogPath is the file where a container's output goes (all its runs, appended).
func (c *Cluster) PodLogPath(namespace, pod, container string) string {
	return filepath.Join(c.layout.podDir(namespace, pod), container+".log")
}

// DialPod connects to a pod's (or a ClusterIP's) address: from the host on the
// process node, from inside the node's network namespace on the real node.
func (c *Cluster) DialPod(ctx context.Context, network, addr string) (net.Conn, error) {
	if c.real == nil {
		return hostDial(ctx, network, addr)
	}
	return c.real.ns.dial(ctx, network, addr)
}

// NodeCommand turns a program and its arguments into a command that runs it where the
// pods are reachable: unchanged on the process node, inside the node's network
// namespace on the real node (use NodeKubeconfig there).
func (c *Cluster) NodeCommand(path string, args []string) (string, []string) {
	if c.real == nil {
		return path, args
	}
	return c.real.ns.command(path, args)
}

// NodeListen opens a listener in the test's process that programs started with
// NodeCommand reach at its address: on the host on the process node, inside the node's
// network namespace on the real node (a Webhook receiver the operator posts to, say).
func (c *Cluster) NodeListen(network, addr string) (net.Listener, error) {
	if c.real == nil {
		return net.Listen(network, addr)
	}
	return c.real.ns.listen(network, addr)
}

// NodeKubeconfig is the admin kubeconfig for programs started with NodeCommand.
func (c *Cluster) NodeKubeconfig() string {
	if c.real == nil {
		return c.Kubeconfig
	}
	return c.layout.nodeKubeconfig()
}

// PodDatabaseURL is the URL pods use for a database of the cluster's PostgreSQL, given
// its URL on the host (DatabaseURL, or one made from it): the same on the process node;
// on the real node its address inside the node's network namespace.
func (c *Cluster) PodDatabaseURL(hostURL string) string {
	if c.real == nil {
		return hostURL
	}
	return podDatabaseURL(hostURL)
}

// StopDatabase stops PostgreSQL (for outage tests); StartDatabase brings it back.
func (c *Cluster) StopDatabase(ctx context.Context) error {
	if c.db == nil {
		return errors.New("the cluster was started without a database")
	}
	c.dbMu.Lock()
	defer c.dbMu.Unlock()
	return c.db.stop(ctx)
}

// StartDatabase starts PostgreSQL again with its data, normally on the same port.
// Should the port have been taken meanwhile, DatabaseURL and the Secret are updated
// (pods read the Secret when they start).
func (c *Cluster) StartDatabase(ctx context.Context) error {
	if c.db == nil {
		return errors.New("the cluster was started without a database")
	}
	c.dbMu.Lock()
	defer c.dbMu.Unlock()
	url, err := c.db.start(ctx)
	if err != nil {
		return err
	}
	if url != c.DatabaseURL {
		c.DatabaseURL = url
		if c.real != nil {
			if err := c.real.retargetDatabase(url); err != nil {
				return err
			}
		}
		return ensureDatabaseSecret(ctx, c.Clientset, c.PodDatabaseURL(url))
	}
	return nil
}

func (c *Cluster) openLog(extra io.Writer) error {
	f, err := openLog(c.layout.logFile("localcluster"))
	if err != nil {
		return err
	}
	c.logFile = f
	var w io.Writer = f
	if extra != nil {
		w = io.MultiWriter(f, extra)
	}
	c.log = slog.New(slog.NewTextHandler(w, nil))
	return nil
}

// writeEnvFile writes shell exports for scripts: `. DIR/env`.
func (c *Cluster) writeEnvFile() error {
	lines := []string{
		"export KUBECONFIG=" + shellQuote(c.Kubeconfig),
		"export LOCALCLUSTER_DIR=" + shellQuote(c.Dir),
	}
	if c.DatabaseURL != "" {
		lines = append(lines, "export LOCALCLUSTER_DATABASE_URL="+shellQuote(c.DatabaseURL))
	}
	return os.WriteFile(c.layout.envFile(), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (o *Options) fillDefaults() error {
	root, rootErr := RepoRoot()
	need := func(what string) error {
		return fmt.Errorf("%s not set and the repository was not found from the working directory: %w", what, rootErr)
	}
	if o.Dir == "" {
		if rootErr != nil {
			return need("Options.Dir")
		}
		o.Dir = filepath.Join(root, ".localcluster")
	}
	if o.BinDir == "" {
		if rootErr != nil {
			return need("Options.BinDir")
		}
		o.BinDir = filepath.Join(root, "bin")
	}
	if o.KubernetesBinDir == "" {
		o.KubernetesBinDir = os.Getenv("KUBEBUILDER_ASSETS")
	}
	if o.KubernetesBinDir == "" {
		o.KubernetesBinDir = filepath.Join(o.BinDir, "k8s")
	}
	if o.PostgresScript == "" && !o.NoDatabase {
		if rootErr != nil {
			return need("Options.PostgresScript")
		}
		o.PostgresScript = filepath.Join(root, "hack", "postgres.sh")
	}
	images := DefaultImages()
	for k, v := range o.Images {
		images[k] = v
	}
	o.Images = images
	if o.NodeName == "" {
		o.NodeName = "localcluster"
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = 2 * time.Minute
	}
	if o.Node == "" {
		o.Node = NodeAuto
	}
	var err error
	for _, p := range []*string{&o.Dir, &o.BinDir, &o.KubernetesBinDir} {
		if *p, err = filepath.Abs(*p); err != nil {
			return err
		}
	}
	if o.ImageArchives == nil {
		o.ImageArchives, _ = filepath.Glob(filepath.Join(o.BinDir, "images", "*.tar"))
	}
	for _, bin := range []string{"etcd", "kube-apiserver", "kube-controller-manager"} {
		if _, err := os.Stat(filepath.Join(o.KubernetesBinDir, bin)); err != nil {
			return fmt.Errorf("%s not found in %s: run `make tools` (it builds the Kubernetes binaries from the Go module proxy) or set KUBEBUILDER_ASSETS", bin, o.KubernetesBinDir)
		}
	}
	return os.MkdirAll(o.Dir, 0o755)
}

// RepoRoot finds the repository from the working directory: the nearest folder
// upwards holding hack/postgres.sh.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "hack", "postgres.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no folder holding hack/postgres.sh above the working directory")
		}
		dir = parent
	}
}
