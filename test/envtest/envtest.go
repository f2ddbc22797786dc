// Package envtest starts a real kube-apiserver and etcd (built by `make tools` into
// bin/k8s) with the project's CRDs installed, for integration tests.
package envtest

import (
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// Env is a running API server with a client for it.
type Env struct {
	Config *rest.Config
	Client client.Client
	Scheme *runtime.Scheme
	env    *crenvtest.Environment
}

// RepoRoot is the repository's top folder.
func RepoRoot() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Assets is the folder holding kube-apiserver, etcd and kubectl: KUBEBUILDER_ASSETS,
// or bin/k8s of this repository.
func Assets() string {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir
	}
	return filepath.Join(RepoRoot(), "bin", "k8s")
}

// Scheme has the built-in Kubernetes types and the InterviewAPI types.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := iapiv1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}

// Start starts an API server for the test and stops it when the test ends. It fails
// with instructions when the binaries are not built.
func Start(t testing.TB) *Env {
	t.Helper()
	return startFor(t, "")
}

// StartRestartable is Start with an etcd data folder and an API server certificate
// folder that outlive their processes, so that StopAPIServer/StartAPIServer and
// StopEtcd/StartEtcd bring the same cluster back (same data, same addresses, same
// certificates) for fault tests.
func StartRestartable(t testing.TB) *Env {
	t.Helper()
	return startFor(t, t.TempDir())
}

func startFor(t testing.TB, dir string) *Env {
	t.Helper()
	e, err := newEnv(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := e.Stop(); err != nil {
			t.Logf("stop envtest: %v", err)
		}
	})
	return e
}

// APIServerFlag is a kube-apiserver flag for New, as --Name=Value.
type APIServerFlag struct{ Name, Value string }

// New starts an API server with the given extra flags; the caller stops it with Stop
// (for TestMain and the benchmarks).
func New(flags ...APIServerFlag) (*Env, error) { return newEnv("", flags...) }

// newEnv starts an API server; a non-empty dir holds etcd's data and the API server's
// certificates, which then survive restarts.
func newEnv(dir string, flags ...APIServerFlag) (*Env, error) {
	assets := Assets()
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(assets, bin)); err != nil {
			return nil, fmt.Errorf("%s not found in %s: run `make tools` (it builds the Kubernetes binaries from the Go module proxy) or set KUBEBUILDER_ASSETS", bin, assets)
		}
	}
	s := Scheme()
	env := &crenvtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(RepoRoot(), "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                s,
		// envtest's default (20 s) is short of what kube-apiserver needs to become
		// ready when every core is busy: at a load average of 55 it did not start in
		// five tries of 20 s.
		ControlPlaneStartTimeout: 90 * time.Second,
	}
	if dir != "" {
		// Folders the control plane did not create are not removed when a process
		// stops, and a restarted process finds them as it left them.
		for _, sub := range []string{"etcd", "apiserver"} {
			if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
				return nil, err
			}
		}
		env.ControlPlane.Etcd = &crenvtest.Etcd{DataDir: filepath.Join(dir, "etcd")}
		api := env.ControlPlane.GetAPIServer()
		api.CertDir = filepath.Join(dir, "apiserver")
		// On SIGTERM kube-apiserver waits up to its request timeout (1m by default)
		// for open connections, such as a client's watches, before it exits; 10s keeps
		// a restart inside the control plane's stop timeout (20s).
		api.Configure().Set("request-timeout", "10s")
	}
	args := env.ControlPlane.GetAPIServer().Configure()
	for _, f := range flags {
		args.Set(f.Name, f.Value)
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("start envtest: %w", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: s})
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	return &Env{Config: cfg, Client: c, Scheme: s, env: env}, nil
}

// Stop stops the API server and etcd.
func (e *Env) Stop() error { return e.env.Stop() }

// StopAPIServer, StartAPIServer, StopEtcd and StartEtcd are for an Env from
// StartRestartable: elsewhere the stopped process's folder is removed with it.
//
// StopAPIServer stops kube-apiserver (SIGTERM, as a node drain or an upgrade would);
// etcd keeps running. StartAPIServer brings it back.
func (e *Env) StopAPIServer() error { return e.env.ControlPlane.APIServer.Stop() }

// StartAPIServer starts the stopped kube-apiserver again on the same address and
// certificates and waits until it is healthy.
func (e *Env) StartAPIServer() error { return e.env.ControlPlane.APIServer.Start() }

// StopEtcd stops etcd; the API server keeps running and answers errors meanwhile.
func (e *Env) StopEtcd() error { return e.env.ControlPlane.Etcd.Stop() }

// StartEtcd starts the stopped etcd again on the same address and data.
func (e *Env) StartEtcd() error { return e.env.ControlPlane.Etcd.Start() }
