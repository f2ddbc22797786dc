package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// podServers are the benchmark's server pods: one loopback HTTP server per pod that
// serves /metrics from the captured fixture, the k-th scrape of a pod showing k intervals
// of the captured traffic. They count the scrapes and the most in flight at once over
// all pods, which is the operator's scrape fan-out.
type podServers struct {
	fixture *metricsFixture

	mu       sync.Mutex
	inFlight int
	peak     int
	total    int
}

func newPodServers(f *metricsFixture) *podServers {
	return &podServers{fixture: f}
}

// podServer is one pod's server.
type podServer struct {
	srv  *http.Server
	port int32

	mu sync.Mutex
	k  int
}

// start serves a pod in the given database mode on a new loopback port.
func (s *podServers) start(mode string) (*podServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &podServer{port: int32(ln.Addr().(*net.TCPAddr).Port)}
	p.srv = &http.Server{
		ReadHeaderTimeout: 5 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/metrics" {
				http.NotFound(w, r)
				return
			}
			s.begin()
			defer s.end()
			p.mu.Lock()
			k := p.k
			p.k++
			p.mu.Unlock()
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
			_, _ = w.Write(s.fixture.render(k, mode))
		}),
	}
	go func() {
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			println("benchscale: pod server:", err.Error())
		}
	}()
	return p, nil
}

func (p *podServer) stop() { _ = p.srv.Shutdown(context.Background()) }

func (s *podServers) begin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight++
	s.total++
	s.peak = max(s.peak, s.inFlight)
}

func (s *podServers) end() {
	s.mu.Lock()
	s.inFlight--
	s.mu.Unlock()
}

// fanOut is the most scrapes that were in flight at once, and the number of scrapes.
func (s *podServers) fanOut() (peak, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak, s.total
}
