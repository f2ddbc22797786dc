package localcluster

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestProbeRun(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			if r.Header.Get("X-Probe") != "yes" || r.URL.RawQuery != "deep=1" {
				w.WriteHeader(http.StatusBadRequest)
			}
		case "/redirect":
			w.WriteHeader(http.StatusFound)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	host, portText, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portText)
	target := probeTarget{
		podIP:     host,
		container: &corev1.Container{Name: "c", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: int32(port)}}},
	}
	httpGet := func(path string, p intstr.IntOrString) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: path, Port: p, HTTPHeaders: []corev1.HTTPHeader{{Name: "X-Probe", Value: "yes"}},
		}}}
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedPort := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	tests := []struct {
		name  string
		probe *corev1.Probe
		want  bool
	}{
		{"http by port name", httpGet("/ok?deep=1", intstr.FromString("http")), true},
		{"http by number", httpGet("/ok?deep=1", intstr.FromInt(port)), true},
		{"http redirect counts as success", httpGet("/redirect", intstr.FromInt(port)), true},
		{"http 503", httpGet("/down", intstr.FromInt(port)), false},
		{"http unknown port name", httpGet("/ok", intstr.FromString("metrics")), false},
		{"http nothing listening", httpGet("/ok", intstr.FromInt(closedPort)), false},
		{"tcp open", &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(port)}}}, true},
		{"tcp closed", &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt(closedPort)}}}, false},
		{"exec success", &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}, true},
		{"exec failure", &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"false"}}}}, false},
		{"grpc unsupported", &corev1.Probe{ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: int32(port)}}}, false},
	}
	pr := newProber()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, msg := pr.run(context.Background(), tc.probe, target)
			if ok != tc.want {
				t.Errorf("probe ok = %v (%s), want %v", ok, msg, tc.want)
			}
			if !ok && msg == "" {
				t.Error("a failed probe gives no reason")
			}
		})
	}
}
