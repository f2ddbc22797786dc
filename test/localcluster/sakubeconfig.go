package localcluster

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ServiceAccountKubeconfig gives a program that is not a pod — a Prometheus a test
// runs, say — the credentials of a ServiceAccount: it requests a token for
// namespace/name from the TokenRequest API (valid for lifetime, at least 10 minutes)
// and writes DIR/NAME.token and DIR/NAME.kubeconfig, which reads that token and points
// at the API server as programs started with NodeCommand reach it. It returns both
// paths. The ServiceAccount must exist; what it may do is up to its RBAC.
func (c *Cluster) ServiceAccountKubeconfig(ctx context.Context, dir, namespace, name string, lifetime time.Duration) (kubeconfig, token string, err error) {
	node, err := restConfigFor(c.NodeKubeconfig())
	if err != nil {
		return "", "", err
	}
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: new(int64(max(lifetime, 10*time.Minute) / time.Second)),
	}}
	resp, err := c.Clientset.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, name, req, metav1.CreateOptions{})
	if err != nil {
		return "", "", fmt.Errorf("request a token for service account %s/%s: %w", namespace, name, err)
	}
	token = filepath.Join(dir, name+".token")
	if err := writeFileAtomic(token, []byte(resp.Status.Token), 0o600); err != nil {
		return "", "", err
	}
	kubeconfig = filepath.Join(dir, name+".kubeconfig")
	user := "system:serviceaccount:" + namespace + ":" + name
	if err := writeTokenKubeconfig(kubeconfig, node.Host, node.CAData, namespace, user, token); err != nil {
		return "", "", err
	}
	return kubeconfig, token, nil
}
