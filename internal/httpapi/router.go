// Package httpapi is the HTTP face of the interview API: the gin router, request
// decoding, response types, the one mapping from errors to status codes, and the
// middleware (HTTP metrics, recovery, `Connection: close` while draining). It never
// sees the store: how long a request holds a database connection is the service's and
// the engine's business.
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/service"
	"github.com/interviewapi/operator/internal/store"
)

// Lifecycle is the server's state as far as readiness is concerned.
type Lifecycle interface {
	// SchemaReady returns nil once the migrations are applied, else why not.
	SchemaReady() error
	// Draining reports that the server is shutting down.
	Draining() bool
	// PoolWarmUp reports whether the engine has opened its pool's Size connections
	// (store.WarmUp): the pod is not ready before, unless the warm-up gave up.
	PoolWarmUp() store.WarmUpProgress
}

// Deps are what the router serves.
type Deps struct {
	Service *service.Service
	Prober  service.Prober
	Pool    *poolstats.Recorder
	// Registry serves /metrics; the HTTP metrics are registered in it.
	Registry          *prometheus.Registry
	Lifecycle         Lifecycle
	MonitoringEnabled bool
	Version           string
	Log               *slog.Logger
}

// NewRouter returns the HTTP handler of the server.
func NewRouter(d Deps) (http.Handler, error) {
	if d.Lifecycle == nil {
		// Every response asks it whether the server drains (closeWhenDraining).
		return nil, fmt.Errorf("httpapi: Deps.Lifecycle is nil: the router needs the server's lifecycle (draining, schema, pool warm-up)")
	}
	metrics, err := newHTTPMetrics(d.Registry)
	if err != nil {
		return nil, err
	}
	h := &handlers{deps: d}

	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(nil); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	// closeWhenDraining is first so that it sees every response, the router's own 404s
	// and 405s and a recovered panic's 500 included.
	r.Use(closeWhenDraining(d.Lifecycle), metrics.middleware, recovery(d.Log))
	r.NoRoute(func(c *gin.Context) {
		respondError(c, d.Log, &requestError{status: http.StatusNotFound, code: "route_not_found",
			message: fmt.Sprintf("no route %s %s", c.Request.Method, c.Request.URL.Path)})
	})
	r.NoMethod(func(c *gin.Context) {
		respondError(c, d.Log, &requestError{status: http.StatusMethodNotAllowed, code: "method_not_allowed",
			message: fmt.Sprintf("%s is not allowed on %s", c.Request.Method, c.Request.URL.Path)})
	})

	api := r.Group("/api/v1", h.requireSchema)
	api.POST("/parse-jd", h.parseJD)
	api.POST("/analyze-answer", h.analyzeAnswer)
	api.GET("/sessions/:id", h.session)
	api.GET("/services", h.services)

	r.GET("/health", h.health)
	r.GET("/livez", h.livez)
	r.GET("/readyz", h.readyz)
	r.GET("/monitoring/database", h.monitoringDatabase)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{Registry: d.Registry})))
	return r, nil
}

// recovery turns a panic into a logged 500 with the usual error body.
func recovery(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v) // net/http's way to abort a response; it must reach the server
				}
				log.Error("handler panicked", "method", c.Request.Method, "path", c.Request.URL.Path, "panic", v)
				respondError(c, log, fmt.Errorf("panic: %v", v))
			}
		}()
		c.Next()
	}
}

// contextOf is the request's context.
func contextOf(c *gin.Context) context.Context { return c.Request.Context() }
