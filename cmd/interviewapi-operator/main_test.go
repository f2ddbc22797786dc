package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/envtest"
)

const waitTimeout = 30 * time.Second

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"--version"}, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "interviewapi-operator dev\n" {
		t.Errorf("--version printed %q", got)
	}
}

// The command finds the cluster from --kubeconfig, elects itself leader, serves its
// metrics and health endpoints, reconciles an InterviewAPI and stops cleanly.
func TestRunAgainstAPIServer(t *testing.T) {
	e := envtest.Start(t)
	kubeconfig := writeKubeconfig(t, e)
	metricsAddr, probeAddr := freeAddr(t), freeAddr(t)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{
			"--kubeconfig=" + kubeconfig,
			"--leader-election-namespace=default",
			"--metrics-bind-address=" + metricsAddr,
			"--health-probe-bind-address=" + probeAddr,
			"--namespace=default",
			"--zap-log-level=error",
		}, io.Discard)
	}()
	stopped := false
	stop := func() error {
		cancel()
		stopped = true
		select {
		case err := <-done:
			return err
		case <-time.After(waitTimeout):
			return fmt.Errorf("run did not return within %s of its context ending", waitTimeout)
		}
	}
	t.Cleanup(func() {
		if !stopped {
			_ = stop()
		}
	})

	in := &iapiv1alpha1.InterviewAPI{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "cmd"},
		Spec: iapiv1alpha1.InterviewAPISpec{
			Image:    "ghcr.io/interviewapi/interviewapi-server:0.1.0",
			Database: iapiv1alpha1.DatabaseSpec{URLSecretRef: iapiv1alpha1.SecretKeyRef{Name: "interview-db", Key: "url"}},
		},
	}
	if err := e.Client.Create(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the stable Deployment", func() error {
		return e.Client.Get(context.Background(), types.NamespacedName{Namespace: "default", Name: "cmd-stable"}, &appsv1.Deployment{})
	})
	eventually(t, "the leader-election Lease", func() error {
		var lease coordinationv1.Lease
		key := types.NamespacedName{Namespace: "default", Name: leaderElectionID}
		if err := e.Client.Get(context.Background(), key, &lease); err != nil {
			return err
		}
		if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
			return fmt.Errorf("lease without holder")
		}
		return nil
	})
	// The Deployment can be seen before the reconcile that created it has counted it.
	httpGet(t, "http://"+metricsAddr+"/metrics", func(metrics string) error {
		for _, want := range []string{
			`interviewapi_operator_build_info{version="dev"} 1`,
			`interviewapi_operator_children_applied_total{kind="Deployment"} 1`,
			`controller_runtime_reconcile_total{controller="interviewapi",result="success"}`,
		} {
			if !strings.Contains(metrics, want) {
				return fmt.Errorf("/metrics has no %s", want)
			}
		}
		return nil
	})
	for _, path := range []string{"/healthz", "/readyz"} {
		httpGet(t, "http://"+probeAddr+path, func(body string) error {
			if body != "ok" {
				return fmt.Errorf("%s answered %q", path, body)
			}
			return nil
		})
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

func writeKubeconfig(t *testing.T, e *envtest.Env) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: e.Config.Host, CertificateAuthorityData: e.Config.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: e.Config.CertData, ClientKeyData: e.Config.KeyData}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// freeAddr is a loopback address with a port nobody listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// httpGet polls url until it answers 200 with a body that passes check.
func httpGet(t *testing.T, url string, check func(body string) error) {
	t.Helper()
	eventually(t, "GET "+url, func() error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d: %s", resp.StatusCode, b)
		}
		return check(string(b))
	})
}

func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, waitTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
