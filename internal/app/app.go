// Package app wires the interview API server together: configuration to engine, pool
// statistics, service, router and http.Server; the background migration loop that lets
// the server start while the database is down; and graceful shutdown.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"k8s.io/utils/clock"

	"github.com/interviewapi/operator/internal/config"
	"github.com/interviewapi/operator/internal/generator"
	"github.com/interviewapi/operator/internal/httpapi"
	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/service"
	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/internal/store/pgasync"
	"github.com/interviewapi/operator/internal/store/pgsync"
)

// probeTimeout bounds /readyz's and /health's database probe.
const probeTimeout = time.Second

// App is one server. Create it with New, serve with Run; Run closes it.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	version  string
	registry *prometheus.Registry
	pool     *poolstats.Recorder
	store    store.Store
	prober   *store.Prober
	service  *service.Service
	handler  http.Handler

	schemaErr atomic.Pointer[error] // nil once migrations are applied
	draining  atomic.Bool

	// The clock of the drain and of the warm-up's log, and the drain's bound; tests set
	// them (export_test.go).
	clock      clock.Clock
	drainGrace time.Duration
}

// New builds the server from cfg without connecting to the database: the engine opens
// connections on demand, so a database that is down does not stop the server starting.
func New(cfg config.Config, log *slog.Logger, version string) (*App, error) {
	a := &App{cfg: cfg, log: log, version: version, registry: prometheus.NewRegistry(),
		clock: clock.RealClock{}, drainGrace: drainGrace}
	pending := errors.New("database migrations not applied yet")
	a.schemaErr.Store(&pending)

	settings := store.PoolSettings{
		Size:           cfg.PoolSize,
		MaxOverflow:    cfg.MaxOverflow,
		AcquireTimeout: cfg.PoolTimeout.Duration(),
		Recycle:        cfg.PoolRecycle.Duration(),
	}
	a.pool = poolstats.New(poolstats.Settings{Mode: cfg.Mode(), PoolSize: settings.Size,
		MaxOverflow: settings.MaxOverflow, AcquireTimeout: settings.AcquireTimeout})
	var err error
	if cfg.AsyncEnabled {
		a.store, err = pgasync.Open(cfg.DatabaseURL, settings, a.pool)
	} else {
		a.store, err = pgsync.Open(cfg.DatabaseURL, settings, a.pool)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database engine: %w", cfg.Mode(), err)
	}
	if a.prober, err = store.NewProber(cfg.DatabaseURL, probeTimeout); err != nil {
		a.store.Close()
		return nil, err
	}

	if err := a.registerMetrics(); err != nil {
		a.closeDatabase()
		return nil, err
	}
	builtin := generator.Builtin{Latency: cfg.GeneratorLatency}
	gen := generator.Fallback{Secondary: builtin}
	info := service.GeneratorInfo{Builtin: builtin.Name(), Latency: cfg.GeneratorLatency}
	var probe service.GeneratorProbe
	if cfg.AIProviderURL != "" {
		external := generator.NewOpenAI(cfg.AIProviderURL, cfg.AIProviderModel, cfg.AIProviderAPIKey, newGeneratorClient())
		gen.Primary = external
		info.External = external.Name()
		probe = external
	}
	a.service = service.New(service.Deps{Store: a.store, Generator: gen, GeneratorInfo: info,
		Prober: a.prober, Pool: a.pool, Log: log, GeneratorProbe: probe})
	a.handler, err = httpapi.NewRouter(httpapi.Deps{
		Service: a.service, Prober: a.prober, Pool: a.pool, Registry: a.registry,
		Lifecycle: a, MonitoringEnabled: cfg.MonitoringEnabled, Version: version, Log: log,
	})
	if err != nil {
		a.closeDatabase()
		return nil, err
	}
	return a, nil
}

func (a *App) registerMetrics() error {
	if err := a.registry.Register(collectors.NewGoCollector()); err != nil {
		return fmt.Errorf("register Go metrics: %w", err)
	}
	if err := a.registry.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return fmt.Errorf("register process metrics: %w", err)
	}
	if a.cfg.MonitoringEnabled {
		return a.pool.Register(a.registry)
	}
	return nil
}

// Handler is the server's HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

// SchemaReady implements httpapi.Lifecycle.
func (a *App) SchemaReady() error {
	if p := a.schemaErr.Load(); p != nil {
		return *p
	}
	return nil
}

// Draining implements httpapi.Lifecycle.
func (a *App) Draining() bool { return a.draining.Load() }

// PoolWarmUp implements httpapi.Lifecycle: the engine owns its warm-up.
func (a *App) PoolWarmUp() store.WarmUpProgress { return a.store.WarmUp() }

// Migrate applies the migrations once, for `interviewapi-server migrate`.
func Migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	applied, err := store.Migrate(ctx, cfg.DatabaseURL, log)
	if err != nil {
		return err
	}
	log.Info("migrations applied", "applied", applied)
	return nil
}

func (a *App) closeDatabase() {
	a.prober.Close()
	a.store.Close()
}
