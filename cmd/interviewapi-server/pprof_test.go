package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/interviewapi/operator/test/loopback"
)

func TestPprofIsOffByDefault(t *testing.T) {
	f := newCommand(map[string]string{}, io.Discard, io.Discard).Flags().Lookup("pprof-addr")
	if f == nil || f.DefValue != "" {
		t.Fatalf("--pprof-addr flag %+v, want one whose default is empty (off)", f)
	}
}

func TestPprofRefusesNonLoopbackAddresses(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0", "10.0.0.1:6060", "example.com:6060", "127.0.0.1"} {
		if stop, err := startPprof(addr, slog.New(slog.DiscardHandler)); err == nil {
			stop()
			t.Errorf("startPprof(%q) listened, want an error", addr)
		} else if !strings.HasPrefix(err.Error(), "--pprof-addr") {
			t.Errorf("startPprof(%q): error %q does not name the flag", addr, err)
		}
	}
}

func TestPprofServesProfilesOnLoopback(t *testing.T) {
	addr := loopback.FreeAddr(t)
	stop, err := startPprof(addr, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get("http://" + addr + "/debug/pprof/allocs?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap profile") {
		t.Fatalf("GET /debug/pprof/allocs: HTTP %d, body starts %.80q", resp.StatusCode, body)
	}
}
