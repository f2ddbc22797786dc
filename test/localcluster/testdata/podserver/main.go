// Command podserver is the tiny program the local cluster's tests run in pods. It
// serves on LISTEN_ADDR:
//
//	GET /whoami   {"pod": HOSTNAME, "ip": POD_IP, "pid": …}
//	GET /env      the process environment as a JSON object
//	GET /healthz  200, or 503 after POST /healthz/fail (for liveness probes)
//	GET /readyz   200, or 503 after POST /readyz/fail (for readiness probes)
//
// With --exit-after it exits on its own (a crashing container); on SIGTERM it logs
// "podserver: received SIGTERM" and exits 0.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	exitAfter := flag.Duration("exit-after", 0, "exit on its own after this long (0: never)")
	exitCode := flag.Int("exit-code", 1, "exit code used with --exit-after")
	flag.Parse()

	addr := os.Getenv("LISTEN_ADDR")
	if addr == "" {
		fmt.Fprintln(os.Stderr, "podserver: LISTEN_ADDR is not set")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "podserver:", err)
		os.Exit(2)
	}
	fmt.Printf("podserver: listening on %s\n", ln.Addr())

	mux := http.NewServeMux()
	for _, path := range []string{"/healthz", "/readyz"} {
		var failing atomic.Bool
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, _ *http.Request) {
			if failing.Load() {
				http.Error(w, "failing as asked", http.StatusServiceUnavailable)
				return
			}
			fmt.Fprintln(w, "ok")
		})
		mux.HandleFunc("POST "+path+"/fail", func(w http.ResponseWriter, _ *http.Request) {
			failing.Store(true)
			fmt.Printf("podserver: %s fails from now on\n", path)
		})
	}
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"pod": os.Getenv("HOSTNAME"), "ip": os.Getenv("POD_IP"), "pid": os.Getpid()})
	})
	mux.HandleFunc("GET /env", func(w http.ResponseWriter, _ *http.Request) {
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		writeJSON(w, env)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "podserver:", err)
			os.Exit(2)
		}
	}()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	var exit <-chan time.Time
	if *exitAfter > 0 {
		exit = time.After(*exitAfter)
	}
	select {
	case <-sigs:
		fmt.Println("podserver: received SIGTERM")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		os.Exit(0)
	case <-exit:
		fmt.Printf("podserver: exiting with code %d as asked\n", *exitCode)
		os.Exit(*exitCode)
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
