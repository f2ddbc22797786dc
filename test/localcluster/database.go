package localcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// DatabaseSecret is the Secret (in namespace default) that holds the database URL
// under the key DatabaseSecretKey, as config/samples expects.
const (
	DatabaseSecret    = "interview-db"
	DatabaseSecretKey = "url"
)

// database is the throwaway PostgreSQL of hack/postgres.sh. pg_ctl detaches the server
// from us, so a parent-death signal cannot reach it: Stop stops it, and a start in the
// same directory first stops one a killed predecessor left running.
type database struct {
	script string
	dir    string
}

func (d database) run(ctx context.Context, verb string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.script, verb, d.dir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s %s: %w: %s", d.script, verb, d.dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

// start starts the server (initialising it the first time) and returns its URL.
func (d database) start(ctx context.Context) (string, error) { return d.run(ctx, "start") }

// stop stops the server and returns once its process has ended: pg_ctl returns when
// the server has removed its pid file, a moment before it exits.
func (d database) stop(ctx context.Context) error {
	pid, running := d.postmasterPID()
	if _, err := d.run(ctx, "stop"); err != nil {
		return err
	}
	if !running {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for processExists(pid) {
		if !sleepCtx(ctx, 20*time.Millisecond) {
			return fmt.Errorf("postgres (pid %d) still runs after pg_ctl stop", pid)
		}
	}
	return nil
}

// processExists tells whether a process runs (EPERM: it does, under another user).
func processExists(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// stopLeftover stops a server that an earlier, killed cluster left in dir.
func (d database) stopLeftover(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(d.dir, "data", "postmaster.pid")); err != nil {
		return nil
	}
	return d.stop(ctx)
}

// postmasterPID is the server's process id while it runs.
func (d database) postmasterPID() (int, bool) {
	data, err := os.ReadFile(filepath.Join(d.dir, "data", "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	var pid int
	if _, err := fmt.Sscanf(string(data), "%d", &pid); err != nil {
		return 0, false
	}
	return pid, true
}

// ensureDatabaseSecret creates or updates default/interview-db with the URL.
func ensureDatabaseSecret(ctx context.Context, c kubernetes.Interface, url string) error {
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: DatabaseSecret, Namespace: metav1.NamespaceDefault},
		Type:       corev1.SecretTypeOpaque,
		StringData: map[string]string{DatabaseSecretKey: url},
	}
	_, err := c.CoreV1().Secrets(metav1.NamespaceDefault).Create(ctx, secret, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		_, err = c.CoreV1().Secrets(metav1.NamespaceDefault).Update(ctx, secret, metav1.UpdateOptions{})
	}
	if err != nil {
		return fmt.Errorf("write secret %s/%s: %w", metav1.NamespaceDefault, DatabaseSecret, err)
	}
	return nil
}
