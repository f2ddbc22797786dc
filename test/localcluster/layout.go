package localcluster

import (
	"fmt"
	"os"
	"path/filepath"
)

// layout names every file and folder the cluster keeps under its directory.
//
//	DIR/kubeconfig            admin kubeconfig (kubectl --kubeconfig DIR/kubeconfig)
//	DIR/env                   shell exports: KUBECONFIG, LOCALCLUSTER_DIR, LOCALCLUSTER_DATABASE_URL
//	DIR/services.json         {"NAMESPACE/NAME:PORT": "127.0.0.1:LOCALPORT", ...}
//	DIR/ready                 exists while the cluster is up (for scripts to wait on)
//	DIR/pki/                  certificate authority, certificates, service-account keys
//	DIR/etcd/                 etcd's data
//	DIR/logs/                 etcd, kube-apiserver, kube-controller-manager, localcluster
//	DIR/pods/NS/POD/          CONTAINER.log (all runs, appended), kubeconfig and token
//	DIR/postgres/             the throwaway PostgreSQL (hack/postgres.sh)
//	DIR/node/                 the real node: configuration, containerd's images, kubelet, pod logs;
//	                          admin.kubeconfig for programs inside its network namespace
type layout struct{ dir string }

func (l layout) kubeconfig() string   { return filepath.Join(l.dir, "kubeconfig") }
func (l layout) envFile() string      { return filepath.Join(l.dir, "env") }
func (l layout) servicesFile() string { return filepath.Join(l.dir, "services.json") }
func (l layout) readyFile() string    { return filepath.Join(l.dir, "ready") }
func (l layout) pki() string          { return filepath.Join(l.dir, "pki") }
func (l layout) etcdData() string     { return filepath.Join(l.dir, "etcd") }
func (l layout) logs() string         { return filepath.Join(l.dir, "logs") }
func (l layout) pods() string         { return filepath.Join(l.dir, "pods") }
func (l layout) postgres() string     { return filepath.Join(l.dir, "postgres") }
func (l layout) node() string         { return filepath.Join(l.dir, "node") }
func (l layout) nodeKubeconfig() string {
	return filepath.Join(l.node(), "admin.kubeconfig")
}
func (l layout) logFile(name string) string {
	return filepath.Join(l.logs(), name+".log")
}
func (l layout) podDir(namespace, name string) string {
	return filepath.Join(l.pods(), namespace, name)
}

// reset removes what an earlier cluster left in the directory (the cluster is
// throwaway: every start begins empty) and creates the folders. Only the names above
// are removed, so a directory given by mistake loses nothing else.
func (l layout) reset() error {
	for _, p := range []string{l.kubeconfig(), l.envFile(), l.servicesFile(), l.readyFile(),
		l.pki(), l.etcdData(), l.logs(), l.pods(), l.postgres(), l.node()} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("clean %s: %w", p, err)
		}
	}
	for _, p := range []string{l.pki(), l.etcdData(), l.logs(), l.pods()} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", p, err)
		}
	}
	// etcd refuses a data directory others can read.
	return os.Chmod(l.etcdData(), 0o700)
}
