// Package hang is a TCP server that accepts connections and never answers: a
// metric source or API that is up but hung, for the tests of deadlines.
package hang

import (
	"context"
	"net"
	"net/http"
	"sync"
	"testing"
)

// Server accepts every connection on a loopback port, reads nothing and writes
// nothing, and keeps each connection open until the test ends.
type Server struct {
	ln net.Listener

	mu       sync.Mutex
	accepted int
	conns    []net.Conn
	// waiters are closed at the next accepted connection.
	waiters []chan struct{}
}

// Listen starts a Server on 127.0.0.1; it stops when the test ends.
func Listen(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s := &Server{ln: ln}
	go s.serve()
	t.Cleanup(s.close)
	return s
}

func (s *Server) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.accepted++
		s.conns = append(s.conns, c)
		for _, w := range s.waiters {
			close(w)
		}
		s.waiters = nil
		s.mu.Unlock()
	}
}

func (s *Server) close() {
	_ = s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Accepted is how many connections the server has accepted.
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accepted
}

// NextAccept returns a channel closed when the server accepts its next connection.
func (s *Server) NextAccept() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch := make(chan struct{})
	s.waiters = append(s.waiters, ch)
	return ch
}

// Client is an HTTP client that sends every request to the server, whatever host its
// URL names (a pod IP, a Service name), so that tests can use the addresses the
// operator really builds without anything leaving loopback.
func (s *Server) Client() *http.Client {
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, s.Addr())
		},
	}}
}
