package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// dbProxy stands between every server pod and PostgreSQL, on loopback, so that the
// benchmark can slow the database down for all pods alike: while a delay is set, each
// chunk PostgreSQL sends is held that long before it is passed on, which adds the
// delay to every statement's round trip (and to every connection's start-up). Without
// a delay it only copies bytes.
type dbProxy struct {
	listener net.Listener
	// target is PostgreSQL's host:port now (it may change when the database restarts).
	target func() (string, error)
	delay  atomic.Int64 // nanoseconds

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

func startDBProxy(target func() (string, error)) (*dbProxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &dbProxy{listener: l, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr is where pods connect: 127.0.0.1:PORT.
func (p *dbProxy) Addr() string { return p.listener.Addr().String() }

// URL is databaseURL with its host replaced by the proxy's.
func (p *dbProxy) URL(databaseURL string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", err
	}
	u.Host = p.Addr()
	return u.String(), nil
}

// SetDelay sets the delay added to every chunk from PostgreSQL (0: none).
func (p *dbProxy) SetDelay(d time.Duration) { p.delay.Store(int64(d)) }

func (p *dbProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.listener.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.relay(c)
		}()
	}
}

func (p *dbProxy) relay(client net.Conn) {
	defer client.Close()
	addr, err := p.target()
	if err != nil {
		return
	}
	server, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		// PostgreSQL is down: the pod sees its connection closed, as it would see a
		// refused one.
		return
	}
	defer server.Close()
	if !p.track(client, server) {
		return
	}
	defer p.untrack(client, server)
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(server, client); done <- struct{}{} }()
	go func() { p.copyDelayed(client, server); done <- struct{}{} }()
	<-done
}

// copyDelayed copies PostgreSQL's replies, holding each chunk for the current delay.
func (p *dbProxy) copyDelayed(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if d := time.Duration(p.delay.Load()); d > 0 {
				time.Sleep(d)
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *dbProxy) track(conns ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	for _, c := range conns {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *dbProxy) untrack(conns ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range conns {
		delete(p.conns, c)
	}
}

// Close stops accepting, closes every relayed connection and waits for the relays.
func (p *dbProxy) Close() error {
	err := p.listener.Close()
	p.mu.Lock()
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// hostPort is the host:port of a database URL.
func hostPort(databaseURL string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", err
	}
	if u.Host == "" {
		return "", errors.New("the database URL names no host")
	}
	return u.Host, nil
}

// faultWindow is when a shared fault was on.
type faultWindow struct {
	start, end time.Time
}

// applyFault starts the fault, holds it for length, then ends it; the database comes
// back whatever happens to ctx.
func (b *bench) applyFault(ctx context.Context, f fault, length time.Duration) (faultWindow, error) {
	w := faultWindow{start: time.Now()}
	switch f {
	case faultStopped:
		if err := b.cluster.StopDatabase(ctx); err != nil {
			return w, err
		}
	case faultSlowed:
		b.proxy.SetDelay(slowDelay)
	}
	select {
	case <-ctx.Done():
	case <-time.After(length):
	}
	w.end = time.Now()
	switch f {
	case faultStopped:
		if err := b.cluster.StartDatabase(context.WithoutCancel(ctx)); err != nil {
			return w, err
		}
	case faultSlowed:
		b.proxy.SetDelay(0)
	}
	return w, ctx.Err()
}

// The shared faults' length and the slowed database's delay per reply. Fifteen
// seconds is three of the scenarios' 5 s analysis intervals.
const (
	faultLength = 15 * time.Second
	slowDelay   = 30 * time.Millisecond
)
