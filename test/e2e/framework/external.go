package framework

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/interviewapi/operator/test/localcluster"
)

// ExternalCluster is a cluster the user already has (E2E_KUBECONFIG), with the images
// loaded by the user and a PostgreSQL both this machine and the pods reach. The suite
// runs its operators and Prometheus as processes on this machine, scrapes pods and
// sends its load to ClusterIPs, so this machine must route to the cluster's pod and
// Service addresses (docs/localcluster.md, "Running the end-to-end suite against your
// own cluster").
type ExternalCluster struct {
	kubeconfig string
	config     *rest.Config
	clientset  kubernetes.Interface
	dbURL      string
	podDBHost  string
}

var _ Cluster = (*ExternalCluster)(nil)

// NewExternalCluster reads kubeconfig (its current context) and checks the database
// URLs: databaseURL is how this machine reaches PostgreSQL as a role that may create
// databases, podDatabaseURL (empty: the same) how the pods reach that server; only its
// host and port are used.
func NewExternalCluster(kubeconfig, databaseURL, podDatabaseURL string) (*ExternalCluster, error) {
	if databaseURL == "" {
		return nil, errors.New("E2E_DATABASE_URL is empty: the suite needs a PostgreSQL it may create databases on, reachable from this machine and the pods")
	}
	if _, err := url.Parse(databaseURL); err != nil {
		return nil, fmt.Errorf("E2E_DATABASE_URL: %w", err)
	}
	pod, err := url.Parse(cmp.Or(podDatabaseURL, databaseURL))
	if err != nil || pod.Host == "" {
		return nil, fmt.Errorf("E2E_POD_DATABASE_URL %q: want postgres://HOST:PORT/…", podDatabaseURL)
	}
	abs, err := filepath.Abs(kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", abs)
	if err != nil {
		return nil, fmt.Errorf("E2E_KUBECONFIG %s: %w", kubeconfig, err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("E2E_KUBECONFIG %s: %w", kubeconfig, err)
	}
	return &ExternalCluster{kubeconfig: abs, config: cfg, clientset: cs, dbURL: databaseURL, podDBHost: pod.Host}, nil
}

// Describe names the API server.
func (x *ExternalCluster) Describe() string {
	return "the cluster of E2E_KUBECONFIG " + x.kubeconfig + " (API server " + x.config.Host + ")"
}

// RESTConfig is the kubeconfig's.
func (x *ExternalCluster) RESTConfig() *rest.Config { return x.config }

// Kubeconfig is E2E_KUBECONFIG.
func (x *ExternalCluster) Kubeconfig() string { return x.kubeconfig }

// NodeCommand leaves the program as it is: this machine reaches the pods.
func (x *ExternalCluster) NodeCommand(path string, args []string) (string, []string) {
	return path, args
}

// NodeKubeconfig is E2E_KUBECONFIG.
func (x *ExternalCluster) NodeKubeconfig() string { return x.kubeconfig }

// NodeListen listens on this machine, where the suite's programs run.
func (x *ExternalCluster) NodeListen(network, addr string) (net.Listener, error) {
	return net.Listen(network, addr)
}

// DialPod dials from this machine.
func (x *ExternalCluster) DialPod(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	return d.DialContext(ctx, network, addr)
}

// WaitServiceAddr is the Service's ClusterIP and port, once a connection to it opens:
// the cluster's Service proxy chooses the pod, as for any client.
func (x *ExternalCluster) WaitServiceAddr(ctx context.Context, namespace, name string, port int32) (string, error) {
	var addr string
	err := Until(ctx, 2*time.Minute, fmt.Sprintf("Service %s/%s port %d answers", namespace, name, port), func(ctx context.Context) (bool, string, error) {
		svc, err := x.clientset.CoreV1().Services(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err.Error(), nil
		}
		if svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == corev1.ClusterIPNone {
			return false, "no ClusterIP", nil
		}
		addr = net.JoinHostPort(svc.Spec.ClusterIP, strconv.Itoa(int(port)))
		conn, err := x.DialPod(ctx, "tcp", addr)
		if err != nil {
			return false, err.Error(), nil
		}
		conn.Close()
		return true, "", nil
	})
	return addr, err
}

// DatabaseURL is E2E_DATABASE_URL.
func (x *ExternalCluster) DatabaseURL() string { return x.dbURL }

// PodDatabaseURL puts the pods' host and port (E2E_POD_DATABASE_URL) into hostURL.
func (x *ExternalCluster) PodDatabaseURL(hostURL string) string {
	u, err := url.Parse(hostURL)
	if err != nil {
		return hostURL
	}
	u.Host = x.podDBHost
	return u.String()
}

// ServiceAccountKubeconfig requests a token for the ServiceAccount with the
// TokenRequest API and writes DIR/NAME.token and DIR/NAME.kubeconfig, which reads it.
func (x *ExternalCluster) ServiceAccountKubeconfig(ctx context.Context, dir, namespace, name string, lifetime time.Duration) (string, string, error) {
	seconds := int64(max(lifetime, 10*time.Minute) / time.Second)
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &seconds}}
	resp, err := x.clientset.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, req, metav1.CreateOptions{})
	if err != nil {
		return "", "", fmt.Errorf("request a token for service account %s/%s: %w", namespace, name, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", err
	}
	token := filepath.Join(dir, name+".token")
	if err := os.WriteFile(token, []byte(resp.Status.Token), 0o600); err != nil {
		return "", "", err
	}
	kc := clientcmdapi.NewConfig()
	kc.Clusters["cluster"] = &clientcmdapi.Cluster{Server: x.config.Host, CertificateAuthorityData: x.config.CAData,
		CertificateAuthority: x.config.CAFile, InsecureSkipTLSVerify: x.config.Insecure}
	kc.AuthInfos[name] = &clientcmdapi.AuthInfo{TokenFile: token}
	kc.Contexts["default"] = &clientcmdapi.Context{Cluster: "cluster", AuthInfo: name, Namespace: namespace}
	kc.CurrentContext = "default"
	kubeconfig := filepath.Join(dir, name+".kubeconfig")
	if err := clientcmd.WriteToFile(*kc, kubeconfig); err != nil {
		return "", "", err
	}
	return kubeconfig, token, nil
}

// Local is nil: none of the local cluster's powers.
func (x *ExternalCluster) Local() *localcluster.Cluster { return nil }

// Stop leaves the user's cluster as it is.
func (x *ExternalCluster) Stop() error { return nil }
