package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/interviewapi/operator/test/envtest"
)

func TestCheck(t *testing.T) {
	env := envtest.Start(t)
	ready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer ready.Close()
	notReady := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not ready", http.StatusServiceUnavailable)
	}))
	defer notReady.Close()

	tests := []struct {
		name    string
		url     string
		wantErr string
		wantOut string
	}{
		{name: "both pass", url: ready.URL, wantOut: "ok: CRD served\nok: operator ready\n"},
		{name: "operator not ready", url: notReady.URL, wantErr: "503", wantOut: "ok: CRD served\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := check(context.Background(), env.Config, checkOptions{readyURL: tt.url, timeout: 1 * time.Second, interval: 100 * time.Millisecond}, &out)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("check: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("check error = %v, want one containing %q", err, tt.wantErr)
			}
			if out.String() != tt.wantOut {
				t.Errorf("output = %q, want %q", out.String(), tt.wantOut)
			}
		})
	}
}

func TestCheckNeedsReadyURL(t *testing.T) {
	err := runCheck(context.Background(), nil, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "--ready-url") {
		t.Fatalf("err = %v, want a message naming --ready-url", err)
	}
}
