package localcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/interviewapi/operator/test/loopback"
)

// kubeControllerManagerControllers are the controllers the cluster runs. EndpointSlices
// and Endpoints are left out: the API server rejects loopback addresses in them, and
// every pod here has one, so those controllers could only fail; the service proxy
// reads ready pods instead. The legacy secret-based token controller is left out as
// pods get short-lived tokens from TokenRequest.
const kubeControllerManagerControllers = "*," +
	"-serviceaccount-token-controller," +
	"-endpoints-controller," +
	"-endpointslice-controller," +
	"-endpointslice-mirroring-controller"

// realNodeControllers are the controllers with a real node: its pods have addresses
// EndpointSlices accept, so every default controller runs but the legacy token one.
const realNodeControllers = "*,-serviceaccount-token-controller"

// serviceAccountIssuer is the issuer of service-account tokens, as in most clusters.
const serviceAccountIssuer = "https://kubernetes.default.svc.cluster.local"

// startAttempts bounds retries when a port chosen by freePort was taken meanwhile.
const startAttempts = 3

// credentials are the files the control plane and its clients authenticate with.
type credentials struct {
	ca *authority
	// caFile is the CA certificate; every certificate below is signed by it.
	caFile                        string
	apiserverCert, apiserverKey   string
	kubeletClientCert, kubeletKey string // the API server's client to the node agent
	saPrivate, saPublic           string
	admin                         keyPair // system:masters, for the kubeconfig, kcm, node agent
	controllerManager             keyPair
	nodeServing                   keyPair
}

// newCredentials signs the cluster's certificates; extraIPs are more addresses of the
// API server (the real node's).
func newCredentials(dir string, extraIPs []net.IP) (*credentials, error) {
	ca, err := newAuthority()
	if err != nil {
		return nil, err
	}
	c := &credentials{ca: ca, caFile: filepath.Join(dir, "ca.crt")}
	if err := os.WriteFile(c.caFile, ca.pem, 0o644); err != nil {
		return nil, fmt.Errorf("write CA: %w", err)
	}
	loopback := []net.IP{net.ParseIP("127.0.0.1")}
	apiserver, err := ca.serving("kube-apiserver",
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		append(slices.Clone(loopback), extraIPs...))
	if err != nil {
		return nil, err
	}
	if c.apiserverCert, c.apiserverKey, err = apiserver.write(dir, "apiserver"); err != nil {
		return nil, err
	}
	kubeletClient, err := ca.client("kube-apiserver-kubelet-client", "system:masters")
	if err != nil {
		return nil, err
	}
	if c.kubeletClientCert, c.kubeletKey, err = kubeletClient.write(dir, "apiserver-kubelet-client"); err != nil {
		return nil, err
	}
	if c.saPrivate, c.saPublic, err = newServiceAccountSigner(dir); err != nil {
		return nil, err
	}
	if c.admin, err = ca.client("localcluster-admin", "system:masters"); err != nil {
		return nil, err
	}
	// The controller manager keeps its usual user name for audit and logs, and admin
	// rights so that every controller can run under that one identity.
	if c.controllerManager, err = ca.client("system:kube-controller-manager", "system:masters"); err != nil {
		return nil, err
	}
	if c.nodeServing, err = ca.serving("localcluster-node", []string{"localhost"}, loopback); err != nil {
		return nil, err
	}
	return c, nil
}

// controlPlane is etcd, kube-apiserver and kube-controller-manager.
type controlPlane struct {
	layout    layout
	k8sBinDir string
	creds     *credentials
	// net says where the control plane runs: on the host's loopback (process node)
	// or inside the real node's network namespace.
	net controlPlaneNet

	etcd, apiserver, controllerManager *process
	etcdURL                            string
	apiserverURL                       string
}

// controlPlaneNet is where the control plane listens and how to reach it.
type controlPlaneNet struct {
	// apiserverIP is the API server's bind and advertised address.
	apiserverIP string
	// wrap turns a program and its arguments into the command that runs it there.
	wrap func(path string, args []string) (string, []string)
	// dial reaches its addresses from this program.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// realNode: Node and RBAC authorization, the kubernetes Service's endpoint kept by
	// the API server, every default controller.
	realNode bool
}

// hostNet is the process node's: everything on the host's loopback.
func hostNet() controlPlaneNet {
	return controlPlaneNet{
		apiserverIP: "127.0.0.1",
		wrap:        func(path string, args []string) (string, []string) { return path, args },
		dial:        hostDial,
	}
}

func (cp *controlPlane) httpClient(tlsConfig *tls.Config) *http.Client {
	return &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: tlsConfig, DialContext: cp.net.dial},
	}
}

func (cp *controlPlane) startEtcd(ctx context.Context) error {
	return retryPorts(ctx, "etcd", func() (*process, error) {
		client, err := loopback.FreePort()
		if err != nil {
			return nil, err
		}
		peer, err := loopback.FreePort()
		if err != nil {
			return nil, err
		}
		clientURL := "http://127.0.0.1:" + strconv.Itoa(client)
		peerURL := "http://127.0.0.1:" + strconv.Itoa(peer)
		p, err := cp.start("etcd", []string{
			"--name=localcluster",
			"--data-dir=" + cp.layout.etcdData(),
			"--listen-client-urls=" + clientURL,
			"--advertise-client-urls=" + clientURL,
			"--listen-peer-urls=" + peerURL,
			"--initial-advertise-peer-urls=" + peerURL,
			"--initial-cluster=localcluster=" + peerURL,
			// A throwaway cluster needs no durability across machine crashes.
			"--unsafe-no-fsync=true",
			"--log-level=warn",
		})
		if err != nil {
			return nil, err
		}
		if err := waitHTTP(ctx, p, cp.httpClient(nil), clientURL+"/health"); err != nil {
			return p, err
		}
		cp.etcd, cp.etcdURL = p, clientURL
		return p, nil
	})
}

func (cp *controlPlane) startAPIServer(ctx context.Context) error {
	c := cp.creds
	return retryPorts(ctx, "kube-apiserver", func() (*process, error) {
		port, err := loopback.FreePort()
		if err != nil {
			return nil, err
		}
		p, err := cp.start("kube-apiserver", append([]string{
			"--etcd-servers=" + cp.etcdURL,
			"--bind-address=" + cp.net.apiserverIP,
			"--advertise-address=" + cp.net.apiserverIP,
			"--secure-port=" + strconv.Itoa(port),
			"--cert-dir=" + cp.layout.pki(),
			"--tls-cert-file=" + c.apiserverCert,
			"--tls-private-key-file=" + c.apiserverKey,
			"--client-ca-file=" + c.caFile,
			"--allow-privileged=true",
			"--service-cluster-ip-range=" + serviceSubnet,
			"--service-account-issuer=" + serviceAccountIssuer,
			"--service-account-key-file=" + c.saPublic,
			"--service-account-signing-key-file=" + c.saPrivate,
			"--kubelet-client-certificate=" + c.kubeletClientCert,
			"--kubelet-client-key=" + c.kubeletKey,
			"--kubelet-certificate-authority=" + c.caFile,
			"--kubelet-preferred-address-types=InternalIP",
		}, cp.apiserverModeArgs()...))
		if err != nil {
			return nil, err
		}
		url := "https://" + net.JoinHostPort(cp.net.apiserverIP, strconv.Itoa(port))
		client, err := cp.adminHTTPClient()
		if err != nil {
			return p, err
		}
		if err := waitHTTP(ctx, p, client, url+"/readyz"); err != nil {
			return p, err
		}
		cp.apiserver, cp.apiserverURL = p, url
		return p, nil
	})
}

// apiserverModeArgs are the API server's flags that differ between the nodes.
func (cp *controlPlane) apiserverModeArgs() []string {
	if cp.net.realNode {
		// The kubelet authenticates as system:node:NAME and is authorized as a node.
		return []string{"--authorization-mode=Node,RBAC"}
	}
	return []string{
		"--authorization-mode=RBAC",
		// The "kubernetes" Service's endpoint would be a loopback address, which
		// Endpoints may not hold; in-cluster programs use their kubeconfig instead.
		"--endpoint-reconciler-type=none",
	}
}

// startControllerManager starts kube-controller-manager with the given kubeconfig and
// waits until its service-account controller has created default/default, the sign
// that its controllers run (and that pods in default can be admitted).
func (cp *controlPlane) startControllerManager(ctx context.Context, kubeconfig string, clientset kubernetes.Interface) error {
	p, err := cp.start("kube-controller-manager", []string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--controllers=" + cp.controllers(),
		"--root-ca-file=" + cp.creds.caFile,
		"--secure-port=0",
		// Rollouts on one node are quick; the default 20 QPS would pace them.
		"--kube-api-qps=100",
		"--kube-api-burst=200",
	})
	if err != nil {
		return err
	}
	cp.controllerManager = p
	return poll(ctx, p, 100*time.Millisecond, func(ctx context.Context) (bool, error) {
		_, err := clientset.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return err == nil, err
	})
}

func (cp *controlPlane) controllers() string {
	if cp.net.realNode {
		return realNodeControllers
	}
	return kubeControllerManagerControllers
}

func (cp *controlPlane) start(name string, args []string) (*process, error) {
	out, err := openLog(cp.layout.logFile(name))
	if err != nil {
		return nil, err
	}
	path, args := cp.net.wrap(filepath.Join(cp.k8sBinDir, name), args)
	return startProcess(processSpec{
		name: name,
		path: path,
		args: args,
		env:  os.Environ(),
		dir:  cp.layout.dir,
		out:  out,
	})
}

func (cp *controlPlane) adminHTTPClient() (*http.Client, error) {
	cert, err := tls.X509KeyPair(cp.creds.admin.certPEM, cp.creds.admin.keyPEM)
	if err != nil {
		return nil, fmt.Errorf("load admin certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cp.creds.ca.cert)
	return cp.httpClient(&tls.Config{
		RootCAs:      pool,
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
	}), nil
}

// controlPlaneGrace is how long each control-plane program may take to exit after
// SIGTERM. Their state is thrown away, so there is nothing to flush: a quick SIGKILL
// spares the seconds kube-apiserver spends draining watches.
const controlPlaneGrace = time.Second

// stop ends the control plane, the controller manager first so that nothing acts on
// the pods being stopped.
func (cp *controlPlane) stop() {
	for _, p := range []*process{cp.controllerManager, cp.apiserver, cp.etcd} {
		if p != nil {
			p.stop(controlPlaneGrace)
		}
	}
}

// errPortTaken is returned by a start attempt whose process exited, after writing
// "address already in use" to its log, before it became ready.
var errPortTaken = errors.New("port taken")

// retryPorts runs attempt up to startAttempts times while the process it starts dies
// because its port was taken by someone else in the meantime.
func retryPorts(ctx context.Context, name string, attempt func() (*process, error)) error {
	for i := 1; ; i++ {
		p, err := attempt()
		if err == nil {
			return nil
		}
		if p != nil {
			p.stop(5 * time.Second)
		}
		if !errors.Is(err, errPortTaken) || i == startAttempts {
			return fmt.Errorf("start %s: %w", name, err)
		}
	}
}

// waitHTTP polls url until it answers 200, the process exits, or ctx ends.
func waitHTTP(ctx context.Context, p *process, client *http.Client, url string) error {
	return poll(ctx, p, 100*time.Millisecond, func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
}

// poll calls check every interval until it reports done or fails, the process p exits
// (its log tells why) or ctx ends.
func poll(ctx context.Context, p *process, interval time.Duration, check func(context.Context) (bool, error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ok, err := check(ctx)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w", p.name, context.Cause(ctx))
		case <-p.done:
			return processDiedError(p)
		case <-t.C:
		}
	}
}

func processDiedError(p *process) error {
	code, _ := p.exitCode()
	logPath := ""
	if f, ok := p.out.(*os.File); ok {
		logPath = f.Name()
	}
	tail := tailFile(logPath, 2048)
	err := fmt.Errorf("%s exited with code %d before it was ready; log %s ends with:\n%s", p.name, code, logPath, tail)
	if strings.Contains(tail, "address already in use") {
		return fmt.Errorf("%w: %w", errPortTaken, err)
	}
	return err
}

// tailFile returns up to the last n bytes of a file, for error messages.
func tailFile(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(info.Size()-n, 0)
	buf := make([]byte, info.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil {
		return ""
	}
	return string(buf)
}
