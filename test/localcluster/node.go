package localcluster

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const (
	// leaseDuration and leaseRenewal follow the kubelet's defaults; the node lifecycle
	// controller marks a node whose lease is older than its grace period (50s) NotReady.
	leaseDuration = 40 * time.Second
	leaseRenewal  = 10 * time.Second
	// statusRefresh is how often the node's conditions are posted again.
	statusRefresh = time.Minute
	// kubeletVersion is reported in the node's status: the version of the binaries the
	// project builds, with a suffix that tells this is no real kubelet.
	kubeletVersion = "v1.37.2-localcluster"
)

// node is the cluster's one Node object and its heartbeat.
type node struct {
	client      kubernetes.Interface
	name        string
	hostIP      string
	kubeletPort int32
	log         *slog.Logger
}

// nodeAllocatable is what the node reports it has: this machine's CPUs and memory.
// The agent schedules without looking at it; programs that read it (resourceFieldRef)
// see real numbers.
func nodeAllocatable() corev1.ResourceList {
	return corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(runtime.NumCPU()), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(totalMemory(), resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(110, resource.DecimalSI),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
}

// register creates the Node and reports it Ready.
func (n *node) register(ctx context.Context) error {
	obj := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name: n.name,
		Labels: map[string]string{
			"kubernetes.io/hostname": n.name,
			"kubernetes.io/os":       runtime.GOOS,
			"kubernetes.io/arch":     runtime.GOARCH,
		},
	}}
	if _, err := n.client.CoreV1().Nodes().Create(ctx, obj, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create node %s: %w", n.name, err)
	}
	if err := n.postStatus(ctx); err != nil {
		return err
	}
	return n.renewLease(ctx)
}

func (n *node) postStatus(ctx context.Context) error {
	obj, err := n.client.CoreV1().Nodes().Get(ctx, n.name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("get node %s: %w", n.name, err)
	}
	now := metav1.Now()
	condition := func(t corev1.NodeConditionType, status corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		c := corev1.NodeCondition{Type: t, Status: status, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
		for _, old := range obj.Status.Conditions {
			if old.Type == t && old.Status == status {
				c.LastTransitionTime = old.LastTransitionTime
			}
		}
		return c
	}
	alloc := nodeAllocatable()
	obj.Status = corev1.NodeStatus{
		Capacity:    alloc,
		Allocatable: alloc,
		Phase:       corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{
			condition(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "localcluster node agent is posting ready status"),
			condition(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "no memory pressure tracked"),
			condition(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "no disk pressure tracked"),
			condition(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "no PID pressure tracked"),
		},
		// Only an InternalIP: the API server reaches the agent's log endpoint there.
		Addresses:       []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: n.hostIP}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: n.kubeletPort}},
		NodeInfo: corev1.NodeSystemInfo{
			KubeletVersion:          kubeletVersion,
			OperatingSystem:         runtime.GOOS,
			Architecture:            runtime.GOARCH,
			ContainerRuntimeVersion: "localcluster://process",
		},
	}
	if _, err := n.client.CoreV1().Nodes().UpdateStatus(ctx, obj, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update node %s status: %w", n.name, err)
	}
	return nil
}

func (n *node) renewLease(ctx context.Context) error {
	leases := n.client.CoordinationV1().Leases(corev1.NamespaceNodeLease)
	now := metav1.NewMicroTime(time.Now())
	lease, err := leases.Get(ctx, n.name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		_, err = leases.Create(ctx, &coordinationv1.Lease{
			ObjectMeta: metav1.ObjectMeta{Name: n.name, Namespace: corev1.NamespaceNodeLease},
			Spec: coordinationv1.LeaseSpec{
				HolderIdentity:       new(n.name),
				LeaseDurationSeconds: new(int32(leaseDuration / time.Second)),
				RenewTime:            &now,
			},
		}, metav1.CreateOptions{})
		return wrapLeaseErr(err)
	}
	if err != nil {
		return wrapLeaseErr(err)
	}
	lease.Spec.RenewTime = &now
	_, err = leases.Update(ctx, lease, metav1.UpdateOptions{})
	return wrapLeaseErr(err)
}

func wrapLeaseErr(err error) error {
	if err != nil {
		return fmt.Errorf("renew node lease: %w", err)
	}
	return nil
}

// heartbeat renews the lease and re-posts the status until ctx ends.
func (n *node) heartbeat(ctx context.Context) {
	lease := time.NewTicker(leaseRenewal)
	defer lease.Stop()
	status := time.NewTicker(statusRefresh)
	defer status.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return
		case <-lease.C:
			err = n.renewLease(ctx)
		case <-status.C:
			err = n.postStatus(ctx)
		}
		if err != nil && ctx.Err() == nil {
			n.log.Error("node heartbeat", "err", err)
		}
	}
}
