package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/interviewapi/operator/hack/loadgen/loadgen"
)

func TestExitStatus(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/services", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"services":[]}`))
	})
	mux.HandleFunc("GET /api/v1/sessions/{id}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"error":{"code":"pool_timeout","message":"no connection"}}`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"all ok, zero errors allowed", []string{"--mix", "services=1", "--requests", "6", "--max-errors", "0"}, 0, "6 (6 ok, 0 errors)"},
		{"errors over the limit", []string{"--mix", "services=1,parse-jd=1", "--requests", "6", "--max-errors", "2"}, exitTooManyErrors, "errors by status"},
		{"errors within the limit", []string{"--mix", "services=1,parse-jd=1", "--requests", "6", "--max-errors", "3"}, 0, "6 (3 ok, 3 errors)"},
		{"errors without a limit", []string{"--mix", "services=1,parse-jd=1", "--requests", "6"}, 0, "404:3"},
		{"seeding fails", []string{"--mix", "session=1", "--requests", "6"}, 1, ""},
		{"bad mix", []string{"--mix", "nothing=1"}, 2, ""},
		{"stray argument", []string{"extra"}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"--url", srv.URL, "--concurrency", "2", "--duration", "0", "--progress", "0"}, tt.args...)
			code, err := run(t.Context(), args, &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d (err %v), want %d\nstdout:\n%s\nstderr:\n%s", code, err, tt.wantCode, stdout.String(), stderr.String())
			}
			if (code != 0) != (err != nil) {
				t.Errorf("exit %d with error %v: a non-zero exit must say why", code, err)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, stdout.String())
			}
		})
	}
}

func TestJSONSummary(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(srv.Close)
	var stdout, stderr bytes.Buffer
	code, err := run(t.Context(), []string{"--url", srv.URL, "--mix", "services=1", "--requests", "5", "--duration", "0", "--json"}, &stdout, &stderr)
	if code != 0 || err != nil {
		t.Fatalf("exit %d, err %v\n%s", code, err, stderr.String())
	}
	var s loadgen.Summary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("stdout is not a JSON summary: %v\n%s", err, stdout.String())
	}
	if s.Requests != 5 || s.OK != 5 || s.Routes[loadgen.OpServices].Requests != 5 {
		t.Errorf("summary %+v, want 5 ok services requests", s)
	}
}
