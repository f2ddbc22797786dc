//go:build !linux

package localcluster

import (
	"context"
	"errors"
	"log/slog"
	"net"
)

// The real node needs Linux (network namespaces, cgroups, containerd); chooseNode never
// selects it elsewhere, so these only satisfy the compiler.

var errRealNodeLinux = errors.New("the real node runs on Linux only")

type realNode struct {
	ns  netns
	log *slog.Logger
}

type netns struct{}

func (netns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return nil, errRealNodeLinux
}

func (netns) command(path string, args []string) (string, []string) { return path, args }

func (netns) listen(string, string) (net.Listener, error) { return nil, errRealNodeLinux }

func newRealNode(context.Context, Options) (*realNode, error) { return nil, errRealNodeLinux }

func (*realNode) setUpNetwork(context.Context) (controlPlaneNet, error) {
	return controlPlaneNet{}, errRealNodeLinux
}

func (*realNode) bridgeToHost(string, string) (*forwarder, error) { return nil, errRealNodeLinux }
func (*realNode) startDatabaseBridge(string) error                { return errRealNodeLinux }
func (*realNode) retargetDatabase(string) error                   { return errRealNodeLinux }
func (*realNode) stopPrograms()                                   {}
func (*realNode) restoreMachine(context.Context) error            { return nil }
func (*Cluster) startRealNode(context.Context, *credentials, Options) error {
	return errRealNodeLinux
}

func podDatabaseURL(u string) string { return u }
func apiserverSANs() []net.IP        { return nil }
func realNodeBusy() (string, bool)   { return "", false }
