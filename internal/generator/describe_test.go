package generator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestDescribeNeverQuotesTheProvider(t *testing.T) {
	const secret = "SECRET-KEY-IN-URL"
	cases := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("openai generator: %w", &ProviderError{StatusCode: 429, Body: secret}), "answered HTTP 429"},
		{fmt.Errorf("openai generator: call https://h/?k=%s: %w", secret, context.DeadlineExceeded), "did not answer in time"},
		{fmt.Errorf("x: %w", context.Canceled), "the request ended"},
		{errors.New("openai generator: model answer is not the requested JSON (" + secret + ")"), "not usable questions"},
	}
	for _, tc := range cases {
		got := Describe(tc.err)
		if got != "" && strings.Contains(got, secret) || !strings.Contains(got, tc.want) {
			t.Errorf("Describe(%v) = %q, want %q and no secret", tc.err, got, tc.want)
		}
	}
	// A real unreachable endpoint: the URL (with its key) stays out.
	g := NewOpenAI("http://127.0.0.1:1/v1/chat/completions?key="+secret, "m", "", nil)
	_, err := g.Generate(context.Background(), Request{Count: 1})
	if got := Describe(err); got != "could not be reached" {
		t.Errorf("Describe(%v) = %q, want could not be reached", err, got)
	}
}

func TestOpenAIProbe(t *testing.T) {
	for status, ok := range map[int]bool{
		http.StatusMethodNotAllowed: true, http.StatusNotFound: true, http.StatusOK: true,
		http.StatusUnauthorized: false, http.StatusForbidden: false, http.StatusBadGateway: false,
	} {
		var auth, method string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			auth, method = r.Header.Get("Authorization"), r.Method
			w.WriteHeader(status)
		}))
		g := NewOpenAI(srv.URL+"/v1/chat/completions", "m", "k", nil)
		err := g.Probe(context.Background())
		srv.Close()
		if (err == nil) != ok {
			t.Errorf("HTTP %d: probe error %v, want ok=%v", status, err, ok)
		}
		if method != http.MethodGet || auth != "Bearer k" {
			t.Errorf("HTTP %d: probe sent %s with Authorization %q, want a GET with the key", status, method, auth)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hung.Close()
	if err := NewOpenAI(hung.URL, "m", "", nil).Probe(ctx); Describe(err) != "did not answer in time" {
		t.Errorf("hung provider: %v (%s)", err, Describe(err))
	}
}
