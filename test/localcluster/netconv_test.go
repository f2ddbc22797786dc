package localcluster

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestApplyPodNetworkEnv(t *testing.T) {
	withPort := &corev1.Container{Ports: []corev1.ContainerPort{{Name: "udp", ContainerPort: 53, Protocol: corev1.ProtocolUDP}, {ContainerPort: 8000}}}
	tests := []struct {
		name       string
		container  *corev1.Container
		set        map[string]string
		wantListen string // "" means unset
	}{
		{"first TCP port", withPort, nil, "127.0.0.12:8000"},
		{"no port, no LISTEN_ADDR", &corev1.Container{}, nil, ""},
		{"port only", withPort, map[string]string{"LISTEN_ADDR": ":9000"}, "127.0.0.12:9000"},
		{"wildcard host", withPort, map[string]string{"LISTEN_ADDR": "0.0.0.0:9000"}, "127.0.0.12:9000"},
		{"explicit host kept", withPort, map[string]string{"LISTEN_ADDR": "127.0.0.1:9000"}, "127.0.0.1:9000"},
		{"not an address kept", withPort, map[string]string{"LISTEN_ADDR": "unix:/tmp/s"}, "unix:/tmp/s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newOrderedEnv()
			for k, v := range tc.set {
				env.set(k, v)
			}
			applyPodNetworkEnv(env, tc.container, "127.0.0.12")
			got, ok := env.get("LISTEN_ADDR")
			if got != tc.wantListen || ok != (tc.wantListen != "") {
				t.Errorf("LISTEN_ADDR = %q (set %v), want %q", got, ok, tc.wantListen)
			}
			if ip, _ := env.get("POD_IP"); ip != "127.0.0.12" {
				t.Errorf("POD_IP = %q", ip)
			}
		})
	}
}

func TestBindArgsToPod(t *testing.T) {
	in := []string{
		"--health-probe-bind-address=:8081",
		"--metrics-bind-address=0",
		"--listen-address=0.0.0.0:9090",
		"--peer-address=10.1.2.3:7000",
		"--leader-elect",
		"--name=:8081",
		"positional=:1",
	}
	want := []string{
		"--health-probe-bind-address=127.0.0.12:8081",
		"--metrics-bind-address=0",
		"--listen-address=127.0.0.12:9090",
		"--peer-address=10.1.2.3:7000",
		"--leader-elect",
		"--name=:8081",
		"positional=:1",
	}
	if got := bindArgsToPod(in, "127.0.0.12"); !slices.Equal(got, want) {
		t.Errorf("bindArgsToPod =\n %q\nwant\n %q", got, want)
	}
}
