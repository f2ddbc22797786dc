package localcluster

import (
	"context"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
)

// newRealNode claims the machine for a real node (cleaning up after a crashed one)
// before the cluster's directory is emptied: a crashed node may have left mounts in it.
func newRealNode(ctx context.Context, opts Options) (*realNode, error) {
	w := io.Discard
	if opts.Log != nil {
		w = opts.Log
	}
	m, err := claimMachine(ctx, opts.Dir, slog.New(slog.NewTextHandler(w, nil)))
	if err != nil {
		return nil, err
	}
	return &realNode{
		ns:      newNetns(machineName),
		machine: m,
		dir:     filepath.Join(opts.Dir, "node"),
		binDir:  opts.BinDir,
		k8sBin:  opts.KubernetesBinDir,
	}, nil
}

// startRealNode starts the node's programs, then the service addresses on the host
// (each goes to its ClusterIP through kube-proxy) and the copy of the pods' logs.
func (c *Cluster) startRealNode(ctx context.Context, creds *credentials, opts Options) error {
	if err := c.real.start(ctx, creds, c.cp.apiserverURL, c.Clientset, c.NodeName, opts.ImageArchives, opts.ImageTags); err != nil {
		return err
	}
	c.PodAddresses = podSubnet
	c.informers = informers.NewSharedInformerFactory(c.Clientset, 0)
	pods := c.informers.Core().V1().Pods().Informer()
	services := c.informers.Core().V1().Services().Informer()
	var err error
	if c.proxy, err = newServiceProxy(pods, services, c.layout.servicesFile(),
		proxyBackends{list: clusterIPBackend, dial: c.real.ns.dial}, c.log); err != nil {
		return err
	}
	if err := c.startInformers(ctx); err != nil {
		return err
	}
	c.proxy.start()
	c.podLogs = startPodLogCopier(c.real.path("pod-logs"), c.layout, c.log)
	return nil
}

// clusterIPBackend sends a Service port's connections to its ClusterIP, where
// kube-proxy's rules choose the pod.
func clusterIPBackend(svc *corev1.Service, port corev1.ServicePort, _ []*corev1.Pod) []string {
	if svc.Spec.ClusterIP == "" || svc.Spec.ClusterIP == corev1.ClusterIPNone {
		return nil
	}
	return []string{net.JoinHostPort(svc.Spec.ClusterIP, strconv.Itoa(int(port.Port)))}
}
