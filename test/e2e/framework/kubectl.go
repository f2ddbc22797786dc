package framework

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Kubectl runs bin/k8s/kubectl against a cluster, as a user would.
type Kubectl struct {
	// Path of the kubectl binary.
	Path string
	// Kubeconfig it uses (through KUBECONFIG).
	Kubeconfig string
	// ExtraPath is put first on PATH, so that kubectl finds plugins there
	// (bin/kubectl-interviewapi).
	ExtraPath string
}

// Run runs kubectl with args and returns its output (stdout and stderr together).
func (k Kubectl) Run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, k.Path, args...)
	env := append(os.Environ(), "KUBECONFIG="+k.Kubeconfig)
	if k.ExtraPath != "" {
		env = append(env, "PATH="+k.ExtraPath+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s: %w: %s", CommandLine("kubectl", args...), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// CommandLine renders a command as it would be typed in a shell.
func CommandLine(program string, args ...string) string {
	parts := []string{program}
	for _, a := range args {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`{}[]*?;&|<>()!#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
