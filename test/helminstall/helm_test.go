//go:build e2e

package helminstall

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// helmCLI runs bin/helm against one cluster, the way a user would from the repository.
type helmCLI struct {
	path       string
	dir        string // working directory: the repository, so chart paths are relative
	kubeconfig string
	home       string // private HELM_*_HOME: no user repositories, plugins or caches
}

// run runs helm with args, bounded by timeout, and returns its combined output; the
// error names the command and carries the output.
func (h helmCLI) run(ctx context.Context, timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, h.path, args...)
	cmd.Dir = h.dir
	cmd.Env = append(os.Environ(),
		"KUBECONFIG="+h.kubeconfig,
		"HELM_CACHE_HOME="+h.home, "HELM_CONFIG_HOME="+h.home, "HELM_DATA_HOME="+h.home)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("helm %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// mustRun is run that fails the test on error.
func (h helmCLI) mustRun(t *testing.T, timeout time.Duration, args ...string) string {
	t.Helper()
	out, err := h.run(t.Context(), timeout, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
