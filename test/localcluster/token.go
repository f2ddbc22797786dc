package localcluster

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podTokenLifetime is how long a pod's service-account token is valid; the agent
// renews it at 80% of that, as the kubelet does for projected tokens.
const podTokenLifetime = time.Hour

// setUpCredentials gives a pod that mounts its service-account token a kubeconfig for
// that account, in place of the token files a real kubelet mounts under
// /var/run/secrets (a path a local process cannot have). The token comes from the
// TokenRequest API, bound to the pod so that it dies with it; the kubeconfig reads it
// through tokenFile, so a renewal reaches programs that are already running.
func (w *podWorker) setUpCredentials() error {
	pod := w.currentPod()
	if !w.mountsToken(pod) {
		return nil
	}
	exp, err := w.renewToken(pod)
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(w.dir, "kubeconfig")
	user := "system:serviceaccount:" + pod.Namespace + ":" + serviceAccountOf(pod)
	if err := writeTokenKubeconfig(kubeconfig, w.a.apiserverURL, w.a.caPEM, pod.Namespace, user, w.tokenPath()); err != nil {
		return err
	}
	w.mu.Lock()
	w.kubeconfig = kubeconfig
	w.credentialsFiles = []string{kubeconfig, w.tokenPath()}
	w.mu.Unlock()
	go w.keepTokenFresh(exp)
	return nil
}

// mountsToken follows automountServiceAccountToken: the pod's setting, else the
// ServiceAccount's, else true.
func (w *podWorker) mountsToken(pod *corev1.Pod) bool {
	if pod.Spec.AutomountServiceAccountToken != nil {
		return *pod.Spec.AutomountServiceAccountToken
	}
	sa, err := w.a.client.CoreV1().ServiceAccounts(pod.Namespace).Get(w.ctx, serviceAccountOf(pod), metav1.GetOptions{})
	if err == nil && sa.AutomountServiceAccountToken != nil {
		return *sa.AutomountServiceAccountToken
	}
	return true
}

func serviceAccountOf(pod *corev1.Pod) string {
	if pod.Spec.ServiceAccountName != "" {
		return pod.Spec.ServiceAccountName
	}
	return "default"
}

func (w *podWorker) tokenPath() string { return filepath.Join(w.dir, "token") }

// renewToken requests a token for the pod's ServiceAccount and writes it; it returns
// the token's expiry.
func (w *podWorker) renewToken(pod *corev1.Pod) (time.Time, error) {
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		ExpirationSeconds: new(int64(podTokenLifetime / time.Second)),
		BoundObjectRef:    &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1", Name: pod.Name, UID: pod.UID},
	}}
	resp, err := w.a.client.CoreV1().ServiceAccounts(pod.Namespace).CreateToken(w.ctx, serviceAccountOf(pod), req, metav1.CreateOptions{})
	if err != nil {
		return time.Time{}, fmt.Errorf("request token for service account %s/%s: %w", pod.Namespace, serviceAccountOf(pod), err)
	}
	if err := writeFileAtomic(w.tokenPath(), []byte(resp.Status.Token), 0o600); err != nil {
		return time.Time{}, err
	}
	return resp.Status.ExpirationTimestamp.Time, nil
}

// keepTokenFresh renews the token at 80% of its lifetime until the worker closes.
func (w *podWorker) keepTokenFresh(exp time.Time) {
	for {
		wait := time.Until(exp) * 4 / 5
		if !sleepCtx(w.ctx, wait) {
			return
		}
		next, err := w.renewToken(w.currentPod())
		if err != nil {
			if w.ctx.Err() != nil {
				return
			}
			w.a.log.Error("renew pod token", "pod", w.key, "err", err)
			next = time.Now().Add(10 * time.Second)
		}
		exp = next
	}
}

// writeFileAtomic replaces a file at once, so that a reader never sees it half-written.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return nil
}
