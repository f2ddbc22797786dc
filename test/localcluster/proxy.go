package localcluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	listerscorev1 "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
)

// dialTimeout bounds a connection attempt to one backend before the proxy tries the
// next one.
const dialTimeout = time.Second

// serviceProxy plays kube-proxy: every TCP port of every ClusterIP Service gets a
// listener on 127.0.0.1, and each accepted connection goes to the next ready backend
// in turn (round-robin), so connections split across pods by replica count. Only
// connections are balanced: requests sent over one kept-alive connection all reach the
// same pod, as with kube-proxy.
type serviceProxy struct {
	pods     listerscorev1.PodLister
	services listerscorev1.ServiceLister
	file     string // services.json
	log      *slog.Logger
	// backends lists where a Service port's connections go; dial reaches them.
	backends func(svc *corev1.Service, port corev1.ServicePort, pods []*corev1.Pod) []string
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)

	mu      sync.Mutex
	ports   map[servicePortKey]*proxyPort
	closed  bool
	changed chan struct{}
	done    chan struct{}
	started bool
	// onChange, when set, is told the new mapping after every change (tests, printing).
	onChange func(map[string]string)
}

// servicePortKey names one port of one Service: "namespace/name:port".
type servicePortKey struct {
	namespace, name string
	port            int32
}

func (k servicePortKey) String() string {
	return k.namespace + "/" + k.name + ":" + strconv.Itoa(int(k.port))
}

type proxyPort struct {
	key      servicePortKey
	listener net.Listener
	backends atomic.Pointer[[]string]
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	next     atomic.Uint64
	conns    sync.WaitGroup
	mu       sync.Mutex
	open     map[net.Conn]struct{}
	closed   bool
	log      *slog.Logger
}

// proxyBackends is where a service proxy sends a Service port's connections.
type proxyBackends struct {
	list func(svc *corev1.Service, port corev1.ServicePort, pods []*corev1.Pod) []string
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// podBackends: the process node's proxy picks ready pods itself, in turn.
var podBackends = proxyBackends{list: serviceBackends, dial: hostDial}

func newServiceProxy(podInformer, serviceInformer cache.SharedIndexInformer, file string, to proxyBackends, log *slog.Logger) (*serviceProxy, error) {
	p := &serviceProxy{
		backends: to.list,
		dial:     to.dial,
		pods:     listerscorev1.NewPodLister(podInformer.GetIndexer()),
		services: listerscorev1.NewServiceLister(serviceInformer.GetIndexer()),
		file:     file,
		log:      log,
		ports:    map[servicePortKey]*proxyPort{},
		changed:  make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { p.notify() },
		UpdateFunc: func(any, any) { p.notify() },
		DeleteFunc: func(any) { p.notify() },
	}
	for _, inf := range []cache.SharedIndexInformer{podInformer, serviceInformer} {
		if _, err := inf.AddEventHandler(handler); err != nil {
			return nil, fmt.Errorf("watch for the service proxy: %w", err)
		}
	}
	return p, nil
}

func (p *serviceProxy) notify() {
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// start serves in the background until stop.
func (p *serviceProxy) start() {
	p.started = true
	go p.run()
	p.notify()
}

// run recomputes listeners and backends after every change of pods or Services until
// stop. At one node's scale a full recomputation costs nothing worth optimising.
func (p *serviceProxy) run() {
	defer close(p.done)
	for range p.changed {
		if !p.sync() {
			return
		}
	}
}

func (p *serviceProxy) sync() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	services, err := p.services.List(labels.Everything())
	if err != nil {
		p.log.Error("list services", "err", err)
		return true
	}
	pods, err := p.pods.List(labels.Everything())
	if err != nil {
		p.log.Error("list pods", "err", err)
		return true
	}
	seen := map[servicePortKey]bool{}
	mappingChanged := false
	for _, svc := range services {
		if svc.Spec.Type == corev1.ServiceTypeExternalName || svc.Spec.ClusterIP == corev1.ClusterIPNone {
			continue
		}
		for _, sp := range svc.Spec.Ports {
			if protocolOf(sp.Protocol) != corev1.ProtocolTCP {
				continue
			}
			key := servicePortKey{svc.Namespace, svc.Name, sp.Port}
			seen[key] = true
			pp, ok := p.ports[key]
			if !ok {
				if pp, err = p.listen(key); err != nil {
					p.log.Error("service proxy listen", "service", key, "err", err)
					continue
				}
				p.ports[key] = pp
				mappingChanged = true
				p.log.Info("service proxy", "service", key.String(), "address", pp.listener.Addr().String())
			}
			backends := p.backends(svc, sp, pods)
			if old := pp.backends.Load(); old == nil || !slices.Equal(*old, backends) {
				pp.backends.Store(&backends)
				p.log.Info("service backends", "service", key.String(), "backends", backends)
			}
		}
	}
	for key, pp := range p.ports {
		if !seen[key] {
			pp.close()
			delete(p.ports, key)
			mappingChanged = true
		}
	}
	if mappingChanged {
		mapping := p.mappingLocked()
		if err := writeJSONAtomic(p.file, mapping); err != nil {
			p.log.Error("write service map", "err", err)
		}
		if p.onChange != nil {
			p.onChange(mapping)
		}
	}
	return true
}

func (p *serviceProxy) listen(key servicePortKey) (*proxyPort, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	pp := &proxyPort{key: key, listener: ln, dial: p.dial, open: map[net.Conn]struct{}{}, log: p.log}
	pp.backends.Store(new([]string{}))
	go pp.serve()
	return pp, nil
}

// mapping is "namespace/name:port" → local address for every proxied Service port.
func (p *serviceProxy) mapping() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mappingLocked()
}

func (p *serviceProxy) mappingLocked() map[string]string {
	m := make(map[string]string, len(p.ports))
	for key, pp := range p.ports {
		m[key.String()] = pp.listener.Addr().String()
	}
	return m
}

func (p *serviceProxy) stop() {
	if !p.started {
		return
	}
	p.mu.Lock()
	p.closed = true
	ports := slices.Collect(maps.Values(p.ports))
	p.ports = map[servicePortKey]*proxyPort{}
	p.mu.Unlock()
	p.notify()
	<-p.done
	for _, pp := range ports {
		pp.close()
	}
}

func (pp *proxyPort) serve() {
	for {
		conn, err := pp.listener.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				pp.log.Error("service proxy accept", "service", pp.key.String(), "err", err)
			}
			return
		}
		if !pp.track(conn) {
			return
		}
		pp.conns.Add(1)
		go func() {
			defer pp.conns.Done()
			pp.forward(conn)
		}()
	}
}

// forward connects a client to the next backend; a backend that refuses is skipped,
// so a pod that stops just as it is picked costs no failed connection.
func (pp *proxyPort) forward(client net.Conn) {
	defer pp.untrack(client)
	defer client.Close()
	backends := *pp.backends.Load()
	if len(backends) == 0 {
		return
	}
	start := pp.next.Add(1) - 1
	var upstream net.Conn
	for i := range len(backends) {
		addr := backends[(start+uint64(i))%uint64(len(backends))]
		ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
		c, err := pp.dial(ctx, "tcp", addr)
		cancel()
		if err == nil {
			upstream = c
			break
		}
		pp.log.Info("service proxy backend refused", "service", pp.key.String(), "backend", addr, "err", err)
	}
	if upstream == nil {
		return
	}
	defer upstream.Close()
	if !pp.track(upstream) {
		return
	}
	defer pp.untrack(upstream)

	splice(client, upstream)
}

// splice copies both ways between two connections until both directions have ended.
func splice(a, b net.Conn) {
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		// Pass the end of one direction on and keep the other open, as TCP allows.
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(b, a)
	go pipe(a, b)
	<-done
	<-done
}

// track records an open connection so that close can cut it; once the port is closed
// it closes the connection instead and returns false.
func (pp *proxyPort) track(c net.Conn) bool {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	if pp.closed {
		c.Close()
		return false
	}
	pp.open[c] = struct{}{}
	return true
}

func (pp *proxyPort) untrack(c net.Conn) {
	pp.mu.Lock()
	defer pp.mu.Unlock()
	delete(pp.open, c)
}

// close stops accepting and cuts the connections in flight.
func (pp *proxyPort) close() {
	pp.listener.Close()
	pp.mu.Lock()
	pp.closed = true
	for c := range pp.open {
		c.Close()
	}
	pp.mu.Unlock()
	pp.conns.Wait()
}

func writeJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'), 0o644)
}
