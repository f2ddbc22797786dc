package localcluster

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// forwarder passes every connection accepted on a listener to an address reached with
// dial: the real node's bridges between the host's loopback and its network namespace
// (the API server for the host, PostgreSQL for the pods).
type forwarder struct {
	name     string
	listener net.Listener
	target   atomic.Pointer[string]
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	log      *slog.Logger

	mu     sync.Mutex
	open   map[net.Conn]struct{}
	closed bool
	conns  sync.WaitGroup
}

func startForwarder(name string, ln net.Listener, target string, dial func(context.Context, string, string) (net.Conn, error), log *slog.Logger) *forwarder {
	f := &forwarder{name: name, listener: ln, dial: dial, log: log, open: map[net.Conn]struct{}{}}
	f.setTarget(target)
	go f.serve()
	return f
}

func (f *forwarder) addr() string { return f.listener.Addr().String() }

// setTarget changes where new connections go.
func (f *forwarder) setTarget(addr string) { f.target.Store(&addr) }

func (f *forwarder) serve() {
	for {
		conn, err := f.listener.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				f.log.Error("forwarder accept", "forwarder", f.name, "err", err)
			}
			return
		}
		if !f.track(conn) {
			return
		}
		f.conns.Add(1)
		go func() {
			defer f.conns.Done()
			defer f.untrack(conn)
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
			target := *f.target.Load()
			upstream, err := f.dial(ctx, "tcp", target)
			cancel()
			if err != nil {
				f.log.Info("forwarder dial", "forwarder", f.name, "target", target, "err", err)
				return
			}
			defer upstream.Close()
			if !f.track(upstream) {
				return
			}
			defer f.untrack(upstream)
			splice(conn, upstream)
		}()
	}
}

func (f *forwarder) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		c.Close()
		return false
	}
	f.open[c] = struct{}{}
	return true
}

func (f *forwarder) untrack(c net.Conn) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.open, c)
}

// close stops accepting, cuts the connections in flight and waits for their goroutines.
func (f *forwarder) close() {
	f.listener.Close()
	f.mu.Lock()
	f.closed = true
	for c := range f.open {
		c.Close()
	}
	f.mu.Unlock()
	f.conns.Wait()
}

// hostDial dials from the host's network namespace.
func hostDial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	return d.DialContext(ctx, network, addr)
}
