package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
	"github.com/interviewapi/operator/test/envtest"
	"github.com/interviewapi/operator/test/loopback"
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
// metrics (over HTTPS, to callers allowed to read them) and health endpoints,
// reconciles an InterviewAPI and stops cleanly.
func TestRunAgainstAPIServer(t *testing.T) {
	e := envtest.Start(t)
	kubeconfig := writeKubeconfig(t, e)
	metricsAddr, probeAddr := loopback.FreeAddr(t), loopback.FreeAddr(t)

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
	url := "https://" + metricsAddr + "/metrics"
	reader, nobody := serviceAccountTokens(t, e)
	for _, c := range []struct {
		who, token string
		// want are the statuses that refuse: controller-runtime's filter answers a
		// token the TokenReview cannot take with 500 "Authentication failed".
		want []int
	}{
		{"no credentials", "", []int{http.StatusUnauthorized}},
		{"a token the API server does not know", "not-a-token", []int{http.StatusUnauthorized, http.StatusInternalServerError}},
		{"a ServiceAccount without the metrics-reader role", nobody, []int{http.StatusForbidden}},
	} {
		eventually(t, "GET "+url+" with "+c.who, func() error {
			status, body, err := scrape(url, c.token)
			if err != nil {
				return err
			}
			if !slices.Contains(c.want, status) || strings.Contains(body, "interviewapi_operator_") {
				return fmt.Errorf("status %d (%.80q), want one of %v and no metrics", status, body, c.want)
			}
			return nil
		})
	}
	scrapeAs(t, url, reader, func(metrics string) error {
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

// serviceAccountTokens returns tokens of two ServiceAccounts of the default namespace:
// one bound to config/rbac's metrics-reader ClusterRole, one bound to nothing.
func serviceAccountTokens(t *testing.T, e *envtest.Env) (reader, nobody string) {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join(envtest.RepoRoot(), "config", "rbac", "metrics_reader_role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	role := &rbacv1.ClusterRole{}
	if err := yaml.UnmarshalStrict(raw, role); err != nil {
		t.Fatalf("config/rbac/metrics_reader_role.yaml: %v", err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "scraper-metrics-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: "default", Name: "scraper"}},
	}
	for _, obj := range []client.Object{role, binding,
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "scraper"}},
		&corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "nobody"}},
	} {
		if err := e.Client.Create(ctx, obj); err != nil {
			t.Fatalf("create %T %s: %v", obj, obj.GetName(), err)
		}
	}
	cs, err := kubernetes.NewForConfig(e.Config)
	if err != nil {
		t.Fatal(err)
	}
	token := func(name string) string {
		tr, err := cs.CoreV1().ServiceAccounts("default").CreateToken(ctx, name,
			&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](3600)}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("token of %s: %v", name, err)
		}
		return tr.Status.Token
	}
	return token("scraper"), token("nobody")
}

// scrape GETs url over HTTPS (the operator's certificate is self-signed) with token as
// bearer token when set; it returns the status and body.
func scrape(url, token string) (int, string, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // the test trusts the operator's self-signed certificate, as the ServiceMonitor does
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// scrapeAs polls url with token until it answers 200 with a body that passes check.
func scrapeAs(t *testing.T, url, token string, check func(body string) error) {
	t.Helper()
	eventually(t, "GET "+url+" with the metrics-reader token", func() error {
		status, body, err := scrape(url, token)
		if err != nil {
			return err
		}
		if status != http.StatusOK {
			return fmt.Errorf("status %d: %s", status, body)
		}
		return check(body)
	})
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
