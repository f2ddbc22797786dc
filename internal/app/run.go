package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/interviewapi/operator/internal/store"
)

// Timeouts of the HTTP server. A handler may wait for the pool up to the pool timeout for
// each of its (at most three) acquires, plus the generator's latency; the write timeout
// leaves room for that and is only a backstop against stuck connections.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	writeTimeoutSlack = 30 * time.Second
)

// Run listens on the configured address and serves until ctx ends, then shuts down.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.ListenAddr)
	if err != nil {
		a.closeDatabase()
		return fmt.Errorf("listen on %s (LISTEN_ADDR): %w", a.cfg.ListenAddr, err)
	}
	return a.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends (SIGTERM), then shuts down gracefully. In a pod the
// sequence is: the preStop sleep (internal/resources.ShutdownDelay) while the Service
// drops the pod, SIGTERM, then the drain: /readyz answers 503 and every response carries
// `Connection: close`, with the listener still open, until every connection has closed
// or drainGrace has passed; then Shutdown: the listener and the idle connections close,
// in-flight requests finish (up to SHUTDOWN_TIMEOUT), and the database pool closes. A
// keep-alive client is thus told to reconnect at the end of an exchange rather than
// having its idle connection closed under its next request, which it could not safely
// retry for a POST. A request answered 2xx has committed its write before the answer,
// so none loses it. Serve closes ln and the App.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	background, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	var wg sync.WaitGroup
	wg.Go(func() { a.migrateUntilApplied(background) })
	wg.Go(func() { a.logWarmUp(background) })
	if a.cfg.MonitoringEnabled {
		wg.Go(func() { a.pool.Run(background) })
	}
	defer func() {
		stopBackground()
		wg.Wait()
		a.closeDatabase()
	}()

	conns := newConnTracker()
	srv := &http.Server{
		Handler:           a.handler,
		ConnState:         conns.observe,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      3*a.cfg.PoolTimeout.Duration() + a.cfg.GeneratorLatency + writeTimeoutSlack,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.log.Info("serving", "addr", ln.Addr().String(), "mode", a.cfg.Mode(), "version", a.version,
		"pool_size", a.cfg.PoolSize, "max_overflow", a.cfg.MaxOverflow,
		"pool_timeout", a.cfg.PoolTimeout.Duration(), "pool_recycle", a.cfg.PoolRecycle.Duration())

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	a.draining.Store(true)
	drain(conns, a.clock, a.drainGrace, a.log)
	a.log.Info("shutting down: finishing in-flight requests", "timeout", a.cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("shutdown: requests still running after %s: %w", a.cfg.ShutdownTimeout, err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	a.log.Info("shut down cleanly")
	return nil
}

// logWarmUp says when the pool's warm-up finished, and how, once: /readyz waits for
// it (store.WarmUp).
func (a *App) logWarmUp(ctx context.Context) {
	start := a.clock.Now()
	select {
	case <-ctx.Done():
		return
	case <-a.store.WarmedUp():
	}
	w := a.store.WarmUp()
	if w.State == store.WarmUpGaveUp {
		a.log.Warn("pool warm-up gave up: readiness follows the database probe, the pool fills on demand",
			"opened", w.Opened, "size", w.Size, "error", w.Err)
		return
	}
	a.log.Info("pool warm: readiness no longer waits for it", "connections", w.Size,
		"took", a.clock.Since(start).Round(time.Millisecond))
}

// Migration retry delays: quick at first (the database may just be starting next to
// us), then every few seconds for as long as it takes.
const (
	migrateFirstDelay = 250 * time.Millisecond
	migrateMaxDelay   = 5 * time.Second
)

// migrateUntilApplied applies the migrations, retrying until they succeed or ctx ends,
// then marks the schema ready and loads the skills taxonomy and the question bank.
func (a *App) migrateUntilApplied(ctx context.Context) {
	delay := migrateFirstDelay
	for attempt := 1; ; attempt++ {
		applied, err := store.Migrate(ctx, a.cfg.DatabaseURL, a.log)
		if err == nil {
			a.schemaErr.Store(nil)
			a.log.Info("database schema ready", "applied", applied, "attempts", attempt)
			if err := a.service.LoadReferenceData(ctx); err != nil {
				a.log.Warn("skills taxonomy and question bank not loaded yet; the first request will load them", "error", err)
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		// The reason is shown by /readyz; the driver's details (addresses) stay in the log.
		cause := "migration error"
		if errors.Is(err, store.ErrUnavailable) {
			cause = "database unavailable"
		}
		reason := fmt.Errorf("database migrations not applied yet: attempt %d failed: %s", attempt, cause)
		a.schemaErr.Store(&reason)
		a.log.Warn("migrations failed; retrying", "attempt", attempt, "retry_in", delay, "error", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, migrateMaxDelay)
	}
}
