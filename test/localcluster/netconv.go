package localcluster

import (
	"net"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Pods share the host's network here, so two pods listening on ":8000" would collide.
// Every pod gets its own loopback address instead, and a program's wildcard listen
// address is narrowed to it: the address a pod would listen on in its own network
// namespace. These are the conventions (documented in the package doc):
//   - POD_IP is set to the pod's address unless the pod sets it;
//   - LISTEN_ADDR with no host or a wildcard host (":8000", "0.0.0.0:8000") becomes
//     POD_IP:8000; when the pod does not set LISTEN_ADDR and its container declares a
//     port, LISTEN_ADDR is POD_IP:<first container port>;
//   - a flag written --…address=HOST:PORT (e.g. --health-probe-bind-address=:8081)
//     with no host or a wildcard host gets POD_IP as its host.

// applyPodNetworkEnv adds POD_IP and LISTEN_ADDR to a container's environment.
func applyPodNetworkEnv(env *orderedEnv, c *corev1.Container, podIP string) {
	if _, ok := env.get("POD_IP"); !ok {
		env.set("POD_IP", podIP)
	}
	if v, ok := env.get("LISTEN_ADDR"); ok {
		if bound, changed := bindToPod(v, podIP); changed {
			env.set("LISTEN_ADDR", bound)
		}
		return
	}
	for _, p := range c.Ports {
		if p.Protocol == "" || p.Protocol == corev1.ProtocolTCP {
			env.set("LISTEN_ADDR", net.JoinHostPort(podIP, strconv.Itoa(int(p.ContainerPort))))
			return
		}
	}
}

// bindArgsToPod narrows wildcard listen addresses in --…address=HOST:PORT flags.
func bindArgsToPod(args []string, podIP string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		name, value, ok := strings.Cut(a, "=")
		if !ok || !strings.HasPrefix(name, "-") || !strings.HasSuffix(name, "address") {
			continue
		}
		if bound, changed := bindToPod(value, podIP); changed {
			out[i] = name + "=" + bound
		}
	}
	return out
}

// bindToPod replaces a missing or wildcard host of a HOST:PORT address by podIP.
func bindToPod(addr, podIP string) (string, bool) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || port == "0" {
		return addr, false
	}
	switch host {
	case "", "0.0.0.0", "::":
		return net.JoinHostPort(podIP, port), true
	}
	return addr, false
}
