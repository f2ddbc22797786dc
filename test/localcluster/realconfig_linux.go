package localcluster

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// writeConfigs writes the node programs' configuration, certificates and kubeconfigs
// under DIR/node. Every path and socket is the node's own, so that it never touches
// another containerd or kubelet configuration on the machine.
func (n *realNode) writeConfigs(creds *credentials, apiserverURL, nodeName string) error {
	ca := creds.ca
	kubelet, err := ca.client("system:node:"+nodeName, "system:nodes")
	if err != nil {
		return err
	}
	proxy, err := ca.client("system:kube-proxy")
	if err != nil {
		return err
	}
	scheduler, err := ca.client("system:kube-scheduler")
	if err != nil {
		return err
	}
	serving, err := ca.serving(nodeName, []string{nodeName, "localhost"}, []net.IP{net.ParseIP(nodeIP), net.ParseIP("127.0.0.1")})
	if err != nil {
		return err
	}
	servingCert, servingKey, err := serving.write(n.dir, "kubelet-serving")
	if err != nil {
		return err
	}
	for _, kc := range []struct {
		file, user string
		pair       keyPair
	}{
		{"kubelet.kubeconfig", "system:node:" + nodeName, kubelet},
		{"kube-proxy.kubeconfig", "system:kube-proxy", proxy},
		{"kube-scheduler.kubeconfig", "system:kube-scheduler", scheduler},
	} {
		if err := writeCertKubeconfig(n.path(kc.file), apiserverURL, ca.pem, kc.user, kc.pair); err != nil {
			return err
		}
	}
	// Pods get no name server: cluster DNS does not run here, and the host's resolver
	// is outside the namespace.
	if err := os.WriteFile(n.path("resolv.conf"), nil, 0o644); err != nil {
		return err
	}
	files := map[string]string{
		"containerd.toml":                    n.containerdConfig(),
		"cni/net.d/10-localcluster.conflist": n.cniConfig(),
		"kubelet.yaml":                       n.kubeletConfig(creds.caFile, servingCert, servingKey),
		"kube-proxy.yaml":                    n.kubeProxyConfig(nodeName),
	}
	for name, content := range files {
		if err := os.WriteFile(n.path(name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// containerdConfig: containerd v2 (config version 3) with its own root, state and
// socket; runc without systemd and with its own root; the CNI plugins of Debian's
// containernetworking-plugins; the locally built sandbox image. restrict_oom_score_adj
// keeps containers from asking for an OOM score below containerd's own, which this
// machine refuses (no CAP_SYS_RESOURCE).
func (n *realNode) containerdConfig() string {
	state := filepath.Join(machineState, "containerd")
	return fmt.Sprintf(`version = 3
root = %[1]q
state = %[2]q

[grpc]
  address = %[3]q

[ttrpc]
  address = %[4]q

[plugins.'io.containerd.internal.v1.opt']
  path = %[5]q

[plugins.'io.containerd.cri.v1.images']
  snapshotter = 'overlayfs'
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = %[6]q

[plugins.'io.containerd.cri.v1.runtime']
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = 'runc'
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = 'io.containerd.runc.v2'
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = '/usr/sbin/runc'
        SystemdCgroup = false
        Root = %[7]q
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ['/usr/lib/cni']
    conf_dir = %[8]q
    max_conf_num = 1

[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = '127.0.0.1'
`, n.path("containerd", "root"), state, n.socket(), n.socket()+".ttrpc", n.path("containerd", "opt"),
		sandboxImage, filepath.Join(machineState, "runc"), n.path("cni", "net.d"))
}

// cniConfig gives every pod a veth of its own to the node's namespace (ptp), routed
// there rather than bridged, so that every packet between pods and to Services passes
// the namespace's netfilter hooks, where kube-proxy's rules are.
func (n *realNode) cniConfig() string {
	return fmt.Sprintf(`{
  "cniVersion": "1.0.0",
  "name": "localcluster",
  "plugins": [
    {
      "type": "ptp",
      "ipMasq": false,
      "mtu": 1500,
      "ipam": {
        "type": "host-local",
        "dataDir": %q,
        "ranges": [[{"subnet": %q, "gateway": %q}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
`, n.path("cni", "ipam"), podSubnet, podGateway)
}

// kubeletConfig: cgroupfs on this cgroup v1 machine (failCgroupV1 off), pods under
// the node's own cgroup root, no iptables chains of its own (kube-proxy runs in
// nftables mode), its API on nodeIP with certificates of the cluster's CA, pod logs
// under DIR/node, low eviction thresholds (the machine is shared; pods here are small).
func (n *realNode) kubeletConfig(caFile, servingCert, servingKey string) string {
	return fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %[1]s
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: %[2]q
tlsPrivateKeyFile: %[3]q
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: %[4]q}
authorization:
  mode: AlwaysAllow
containerRuntimeEndpoint: unix://%[5]s
cgroupDriver: cgroupfs
cgroupRoot: /%[6]s
failCgroupV1: false
failSwapOn: false
makeIPTablesUtilChains: false
podLogsDir: %[7]q
resolvConf: %[8]q
clusterDomain: cluster.local
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 100Mi
  nodefs.available: "1%%"
  imagefs.available: "1%%"
  nodefs.inodesFree: "1%%"
enableControllerAttachDetach: true
nodeStatusUpdateFrequency: 10s
syncFrequency: 10s
fileCheckFrequency: 1h
httpCheckFrequency: 1h
shutdownGracePeriod: 0s
maxPods: 110
`, nodeIP, servingCert, servingKey, caFile, n.socket(), machineName, n.path("pod-logs"), n.path("resolv.conf"))
}

// kubeProxyConfig: nftables mode (its rules live in the namespace and go with it),
// conntrack settings left as they are (those sysctls are machine-wide).
func (n *realNode) kubeProxyConfig(nodeName string) string {
	return fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: nftables
clientConnection:
  kubeconfig: %[1]q
hostnameOverride: %[2]s
clusterCIDR: %[3]s
bindAddress: %[4]s
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
  udpTimeout: 0s
  udpStreamTimeout: 0s
`, n.path("kube-proxy.kubeconfig"), nodeName, podSubnet, nodeIP)
}

// apiserverSANs are the extra addresses of the API server's certificate on the real
// node: nodeIP (the node's programs, the kubernetes Service's endpoint) and the
// kubernetes Service's ClusterIP (in-cluster clients).
func apiserverSANs() []net.IP {
	return []net.IP{net.ParseIP(nodeIP), net.ParseIP(kubernetesServiceIP)}
}
