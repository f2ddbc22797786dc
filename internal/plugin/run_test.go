package plugin

import (
	"bytes"
	"context"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// Bad input is refused before any request, with a clear message and exit code 1.
func TestRunRejectsBadInput(t *testing.T) {
	missingKubeconfig := filepath.Join(t.TempDir(), "no-such-kubeconfig")
	tests := []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"status without name", []string{"status"}, "error: missing NAME of the InterviewAPI; usage: kubectl interviewapi status NAME [flags]"},
		{"promote without name", []string{"promote", "--full"}, "error: missing NAME of the InterviewAPI; usage: kubectl interviewapi promote NAME [flags]"},
		{"abort without name", []string{"abort"}, "missing NAME"},
		{"retry without name", []string{"retry"}, "missing NAME"},
		{"pause without name", []string{"pause"}, "missing NAME"},
		{"resume without name", []string{"resume"}, "missing NAME"},
		{"history without name", []string{"history"}, "missing NAME"},
		{"rollback without name", []string{"rollback"}, "missing NAME"},
		{"recommend without name", []string{"recommend", "--apply"}, "missing NAME"},
		{"two names", []string{"abort", "a", "b"}, `error: abort takes one NAME, got 2 arguments ["a" "b"]`},
		{"invalid name", []string{"status", "Not_A_Name"}, `error: "Not_A_Name" is not a valid InterviewAPI name`},
		{"unknown command", []string{"frobnicate"}, `error: unknown command "frobnicate" for "kubectl interviewapi"`},
		{"unknown flag", []string{"promote", "demo", "--fully"}, "error: unknown flag: --fully"},
		{"timeout without watch", []string{"status", "demo", "--timeout", "5s"}, "error: --timeout is only meaningful with --watch"},
		{"negative timeout", []string{"status", "demo", "--watch", "--timeout", "-1s"}, "error: --timeout must not be negative"},
		{"version takes no arguments", []string{"version", "extra"}, `error: unknown command "extra" for "kubectl interviewapi version"`},
		{"missing kubeconfig", []string{"status", "demo", "--kubeconfig", missingKubeconfig}, "error: load kubeconfig: stat " + missingKubeconfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Run(context.Background(), tt.args, &stdout, &stderr)
			if code != 1 {
				t.Errorf("exit code = %d, want 1", code)
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr.String(), tt.wantStderr)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
}

func TestRunVersion(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"version"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code = %d, stderr %q", code, stderr.String())
	}
	out := stdout.String()
	if !strings.HasPrefix(out, "kubectl-interviewapi ") || !strings.Contains(out, "API apps.interviewapi.io/v1alpha1") || strings.Count(out, "\n") != 1 {
		t.Errorf("version output = %q, want one line naming the plugin and its API", out)
	}
}

func TestVersionLine(t *testing.T) {
	tests := []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"no build info", nil, "kubectl-interviewapi (unknown), API apps.interviewapi.io/v1alpha1, go1.26.0 linux/amd64"},
		{"local build", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}},
			"kubectl-interviewapi (devel), API apps.interviewapi.io/v1alpha1, go1.26.0 linux/amd64"},
		{"released build with VCS stamp", &debug.BuildInfo{
			Main: debug.Module{Version: "v0.2.0"},
			Settings: []debug.BuildSetting{
				{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}, {Key: "GOOS", Value: "linux"},
			},
		}, "kubectl-interviewapi v0.2.0 (commit 0123abcd, modified), API apps.interviewapi.io/v1alpha1, go1.26.0 linux/amd64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := versionLine(tt.info, "go1.26.0", "linux/amd64"); got != tt.want {
				t.Errorf("versionLine = %q\nwant          %q", got, tt.want)
			}
		})
	}
}
