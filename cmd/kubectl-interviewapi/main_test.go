package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// runAsPluginEnv makes the test binary behave as the plugin, so that the tests see the
// real process: its exit code and its streams.
const runAsPluginEnv = "KUBECTL_INTERVIEWAPI_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runAsPluginEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

func TestProcessExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"version", []string{"version"}, 0, "kubectl-interviewapi ", ""},
		{"help", []string{"--help"}, 0, "Usage:\n  kubectl interviewapi [command]", ""},
		{"missing name", []string{"status"}, 1, "", "error: missing NAME of the InterviewAPI"},
		{"unknown command", []string{"undo", "demo"}, 1, "", `error: unknown command "undo" for "kubectl interviewapi"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], tt.args...)
			cmd.Env = append(os.Environ(), runAsPluginEnv+"=1")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			var exitErr *exec.ExitError
			if errors.As(err, &exitErr) {
				code = exitErr.ExitCode()
			} else if err != nil {
				t.Fatalf("run %v: %v", tt.args, err)
			}
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.wantStdout)
			}
			if tt.wantStderr == "" && stderr.Len() != 0 || !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}
