package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"

	"k8s.io/client-go/rest"
)

// apiProxy stands between the operator and the API server on loopback and counts every
// request the operator sends, by kind. The operator's kubeconfig points at it over plain
// HTTP; the proxy forwards with the envtest administrator's credentials. Counting at the
// proxy, not at the API server, keeps the benchmark's own requests (its fake kubelet,
// its watches) out of the figures.
type apiProxy struct {
	srv *http.Server
	url string

	mu     sync.Mutex
	counts map[string]int
}

// requestKind sorts a request as the API server's audit log would: watch, list and get
// are reads; create, update, patch and delete writes; each with the resource it names
// ("create events", "update interviewapis/status"), so that a reader sees which calls
// an instance costs. Lease requests (leader election) are kept apart, since they are
// the election's cost, not the reconciler's.
func requestKind(method string, u *url.URL) string {
	lease := strings.Contains(u.Path, "/leases")
	kind := ""
	switch method {
	case http.MethodGet:
		switch {
		case u.Query().Get("watch") == "true" || u.Query().Get("watch") == "1":
			kind = "watch"
		case isCollection(u.Path):
			kind = "list"
		default:
			kind = "get"
		}
	case http.MethodPost:
		kind = "create"
	case http.MethodPut:
		kind = "update"
	case http.MethodPatch:
		kind = "patch"
	case http.MethodDelete:
		kind = "delete"
	default:
		kind = strings.ToLower(method)
	}
	if lease {
		return "lease " + kind
	}
	if res := resourceOf(u.Path); res != "" {
		return kind + " " + res
	}
	return kind
}

// isWrite says whether a kind counted by requestKind changes something.
func isWrite(kind string) bool {
	verb, _, _ := strings.Cut(strings.TrimPrefix(kind, "lease "), " ")
	switch verb {
	case "create", "update", "patch", "delete":
		return true
	}
	return false
}

// apiParts is an API path's segments after the group version (/api/v1 or
// /apis/GROUP/VERSION) with "namespaces/NS" taken off the front, unless the path
// names a Namespace itself; ok is false for a path outside the resource APIs.
func apiParts(path string) (parts []string, ok bool) {
	parts = strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return nil, false
	}
	if len(parts) > 2 && parts[0] == "namespaces" {
		parts = parts[2:]
	}
	return parts, true
}

// isCollection says whether an API path names a collection: /api/v1/pods,
// /apis/GROUP/VERSION/namespaces/NS/KIND, not one object (…/KIND/NAME, a Namespace)
// or a subresource.
func isCollection(path string) bool {
	parts, ok := apiParts(path)
	return ok && len(parts) == 1
}

// resourceOf is the resource an API path names, with its subresource
// ("interviewapis/status"); "" outside the resource APIs.
func resourceOf(path string) string {
	parts, ok := apiParts(path)
	switch {
	case !ok || len(parts) == 0:
		return ""
	case len(parts) >= 3:
		return parts[0] + "/" + parts[2]
	}
	return parts[0]
}

// startAPIProxy listens on a loopback port and forwards to cfg's API server.
func startAPIProxy(cfg *rest.Config) (*apiProxy, error) {
	target, err := url.Parse(cfg.Host)
	if err != nil {
		return nil, fmt.Errorf("API server address %q: %w", cfg.Host, err)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("a transport to the API server: %w", err)
	}
	p := &apiProxy{counts: map[string]int{}}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = target.Host
		},
		Transport: rt,
		// Watches stream: pass every event on at once.
		FlushInterval: -1,
		// A watch the operator closes on its way out is not worth a line.
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if r.Context().Err() == nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
			}
		},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.url = "http://" + ln.Addr().String()
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kind := requestKind(r.Method, r.URL)
		p.mu.Lock()
		p.counts[kind]++
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	})}
	go func() {
		if err := p.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Println("benchscale: API proxy:", err)
		}
	}()
	return p, nil
}

// snapshot copies the counts so far.
func (p *apiProxy) snapshot() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.counts))
	for k, v := range p.counts {
		out[k] = v
	}
	return out
}

func (p *apiProxy) close() { _ = p.srv.Shutdown(context.Background()) }

// countsBetween is after − before, leaving out kinds that did not change.
func countsBetween(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}
