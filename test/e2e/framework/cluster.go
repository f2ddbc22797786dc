package framework

import (
	"context"
	"net"
	"time"

	"k8s.io/client-go/rest"

	"github.com/interviewapi/operator/test/localcluster"
)

// Cluster is what the end-to-end suite needs of the cluster it runs on: the local
// cluster on either node (LocalCluster) or one the user already has
// (ExternalCluster, E2E_KUBECONFIG). docs/localcluster.md says what each offers.
type Cluster interface {
	// Describe says which cluster this is and why it was chosen.
	Describe() string
	// RESTConfig and Kubeconfig give administrator access from this machine (the
	// suite's client, kubectl, helm).
	RESTConfig() *rest.Config
	Kubeconfig() string
	// NodeCommand turns a program and its arguments into the command that runs it
	// where pod addresses are reachable (the operator, Prometheus), with
	// NodeKubeconfig as its kubeconfig; NodeListen opens a listener in the test's
	// process that such programs reach at its address.
	NodeCommand(path string, args []string) (string, []string)
	NodeKubeconfig() string
	NodeListen(network, addr string) (net.Listener, error)
	// DialPod connects to a pod's address from the test's process.
	DialPod(ctx context.Context, network, addr string) (net.Conn, error)
	// WaitServiceAddr returns an address the test's process reaches Service
	// namespace/name's port at, through the cluster's own Service proxy, once it
	// answers.
	WaitServiceAddr(ctx context.Context, namespace, name string, port int32) (string, error)
	// DatabaseURL reaches the PostgreSQL server from the test's process, as a role
	// that may create databases; PodDatabaseURL turns the URL of one of its databases
	// into the URL pods reach it at.
	DatabaseURL() string
	PodDatabaseURL(hostURL string) string
	// ServiceAccountKubeconfig writes a kubeconfig for a program started with
	// NodeCommand that acts as ServiceAccount namespace/name (a Prometheus).
	ServiceAccountKubeconfig(ctx context.Context, dir, namespace, name string, lifetime time.Duration) (kubeconfig, token string, err error)
	// Local is the local cluster, for what only it can do (stop PostgreSQL, map
	// config/default's image, read pod logs from its files); nil on a cluster of the
	// user's.
	Local() *localcluster.Cluster
	// Stop stops what the suite started (the local cluster; nothing of the user's).
	Stop() error
}

// LocalCluster is the local cluster (test/localcluster) as a Cluster.
type LocalCluster struct{ C *localcluster.Cluster }

var _ Cluster = LocalCluster{}

// Describe names the node and why it was chosen.
func (l LocalCluster) Describe() string {
	return "local cluster, " + string(l.C.Node) + " node: " + l.C.NodeReason
}

// RESTConfig is the administrator's.
func (l LocalCluster) RESTConfig() *rest.Config { return l.C.RESTConfig }

// Kubeconfig is the administrator's.
func (l LocalCluster) Kubeconfig() string { return l.C.Kubeconfig }

// NodeCommand runs a program in the node's network namespace on the real node.
func (l LocalCluster) NodeCommand(path string, args []string) (string, []string) {
	return l.C.NodeCommand(path, args)
}

// NodeKubeconfig is the administrator's, as NodeCommand programs reach the API server.
func (l LocalCluster) NodeKubeconfig() string { return l.C.NodeKubeconfig() }

// NodeListen listens where NodeCommand programs run.
func (l LocalCluster) NodeListen(network, addr string) (net.Listener, error) {
	return l.C.NodeListen(network, addr)
}

// DialPod dials into the node's network namespace on the real node.
func (l LocalCluster) DialPod(ctx context.Context, network, addr string) (net.Conn, error) {
	return l.C.DialPod(ctx, network, addr)
}

// WaitServiceAddr is a loopback address forwarded to the Service.
func (l LocalCluster) WaitServiceAddr(ctx context.Context, namespace, name string, port int32) (string, error) {
	return l.C.WaitServiceAddr(ctx, namespace, name, port)
}

// DatabaseURL is the cluster's PostgreSQL on loopback.
func (l LocalCluster) DatabaseURL() string { return l.C.DatabaseURL }

// PodDatabaseURL is the address pods reach that PostgreSQL at.
func (l LocalCluster) PodDatabaseURL(hostURL string) string { return l.C.PodDatabaseURL(hostURL) }

// ServiceAccountKubeconfig requests a token with the TokenRequest API.
func (l LocalCluster) ServiceAccountKubeconfig(ctx context.Context, dir, namespace, name string, lifetime time.Duration) (string, string, error) {
	return l.C.ServiceAccountKubeconfig(ctx, dir, namespace, name, lifetime)
}

// Local is the local cluster.
func (l LocalCluster) Local() *localcluster.Cluster { return l.C }

// Stop stops the local cluster.
func (l LocalCluster) Stop() error { return l.C.Stop() }
