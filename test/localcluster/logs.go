package localcluster

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// logServer is the node agent's small part of the kubelet API: GET
// /containerLogs/{namespace}/{pod}/{container} with follow, tailLines and limitBytes,
// so that `kubectl logs` works through the API server. It accepts only clients with a
// certificate of the cluster's CA (the API server's kubelet client).
type logServer struct {
	layout  layout
	running func(ns, pod string) bool
	server  *http.Server
	port    int32
	log     *slog.Logger
}

func startLogServer(l layout, creds *credentials, running func(ns, pod string) bool, log *slog.Logger) (*logServer, error) {
	cert, err := tls.X509KeyPair(creds.nodeServing.certPEM, creds.nodeServing.keyPEM)
	if err != nil {
		return nil, fmt.Errorf("load node serving certificate: %w", err)
	}
	clients := x509.NewCertPool()
	clients.AddCert(creds.ca.cert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for kubelet API: %w", err)
	}
	s := &logServer{layout: l, running: running, port: int32(ln.Addr().(*net.TCPAddr).Port), log: log}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", s.containerLogs)
	s.server = &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientAuth:   tls.RequireAndVerifyClientCert,
			ClientCAs:    clients,
			MinVersion:   tls.VersionTLS12,
		},
	}
	go func() {
		if err := s.server.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("kubelet API server", "err", err)
		}
	}()
	return s, nil
}

func (s *logServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.server.Shutdown(ctx)
}

func (s *logServer) containerLogs(w http.ResponseWriter, r *http.Request) {
	ns, pod, container := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	q := r.URL.Query()
	if q.Get("previous") == "true" {
		http.Error(w, "localcluster keeps one log per container across restarts: drop --previous", http.StatusBadRequest)
		return
	}
	path := filepath.Join(s.layout.podDir(ns, pod), container+".log")
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, fmt.Sprintf("no log for container %q of pod %s/%s", container, ns, pod), http.StatusNotFound)
		return
	}
	defer f.Close()
	if n, err := strconv.Atoi(q.Get("tailLines")); err == nil && n >= 0 {
		if err := seekLastLines(f, n); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
	}
	var out io.Writer = w
	if n, err := strconv.ParseInt(q.Get("limitBytes"), 10, 64); err == nil && n > 0 {
		out = &limitedWriter{w: w, left: n}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if _, err := io.Copy(out, f); err != nil || q.Get("follow") != "true" {
		return
	}
	s.follow(r.Context(), f, out, w, ns, pod)
}

// follow streams what is appended to the log until the client leaves or the pod is
// gone.
func (s *logServer) follow(ctx context.Context, f *os.File, out io.Writer, w http.ResponseWriter, ns, pod string) {
	flusher, _ := w.(http.Flusher)
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		if flusher != nil {
			flusher.Flush()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := io.Copy(out, f)
		if err != nil {
			return
		}
		if n == 0 && !s.running(ns, pod) {
			return
		}
	}
}

// seekLastLines positions f at the start of its last n lines.
func seekLastLines(f *os.File, n int) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	size := info.Size()
	if n == 0 {
		_, err := f.Seek(size, io.SeekStart)
		return err
	}
	const chunk = 64 << 10
	found := 0
	pos := size
	buf := make([]byte, chunk)
	for pos > 0 {
		read := min(int64(chunk), pos)
		pos -= read
		if _, err := f.ReadAt(buf[:read], pos); err != nil {
			return err
		}
		for i := read - 1; i >= 0; i-- {
			// A newline that ends the file does not start a line.
			if buf[i] != '\n' || pos+i == size-1 {
				continue
			}
			found++
			if found == n {
				_, err := f.Seek(pos+i+1, io.SeekStart)
				return err
			}
		}
	}
	_, err = f.Seek(0, io.SeekStart)
	return err
}

type limitedWriter struct {
	w    io.Writer
	left int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, io.ErrShortWrite
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.w.Write(p)
	l.left -= int64(n)
	return n, err
}
