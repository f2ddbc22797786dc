// Package config reads the server's configuration from the environment once, into a
// typed struct. The variable names are the seed's (README.md, "Configuration
// (environment)"), kept so that existing deployments and the operator's pod templates
// work unchanged.
package config

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is the server's whole configuration.
type Config struct {
	// DatabaseURL is a postgres:// URL; see NormalizeDatabaseURL for the accepted schemes.
	DatabaseURL string `env:"DATABASE_URL,required,notEmpty"`
	// AsyncEnabled selects the async engine (pgxpool); false keeps the legacy sync engine.
	AsyncEnabled bool `env:"ASYNC_DATABASE_ENABLED" envDefault:"false"`
	// PoolSize is the number of connections kept open.
	PoolSize int `env:"ASYNC_DATABASE_POOL_SIZE" envDefault:"20"`
	// MaxOverflow is how many connections beyond PoolSize may be opened under load;
	// they are closed as soon as they fall idle.
	MaxOverflow int `env:"ASYNC_DATABASE_MAX_OVERFLOW" envDefault:"30"`
	// PoolTimeout is how long a request waits for a connection before it gets a 503.
	PoolTimeout Seconds `env:"ASYNC_DATABASE_POOL_TIMEOUT" envDefault:"30"`
	// PoolRecycle is the maximum lifetime of a connection (0: never recycled).
	PoolRecycle Seconds `env:"ASYNC_DATABASE_POOL_RECYCLE" envDefault:"3600"`
	// MonitoringEnabled serves /monitoring/database and exports the pool metrics.
	MonitoringEnabled bool `env:"ASYNC_DATABASE_MONITORING_ENABLED" envDefault:"true"`
	// ListenAddr is the HTTP listen address.
	ListenAddr string `env:"LISTEN_ADDR" envDefault:":8000"`

	// GeneratorLatency is an in-process delay of the built-in question generator, once
	// per generation; benchmarks use it to stand for a model call.
	GeneratorLatency time.Duration `env:"GENERATOR_LATENCY" envDefault:"0s"`
	// AIProviderURL, when set, is an OpenAI-compatible chat-completions endpoint tried
	// before the built-in generator.
	AIProviderURL    string `env:"AI_PROVIDER_URL"`
	AIProviderModel  string `env:"AI_PROVIDER_MODEL"`
	AIProviderAPIKey string `env:"AI_PROVIDER_API_KEY"`
	// ShutdownTimeout bounds how long in-flight requests may take to finish after SIGTERM
	// and the drain (internal/app Serve).
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s"`
}

// Mode names the database engine: "async" or "sync".
func (c Config) Mode() string {
	if c.AsyncEnabled {
		return "async"
	}
	return "sync"
}

// Load reads the configuration from environ (variable → value; os.Environ's content in
// production, a literal map in tests) and validates it. Errors are one line that names
// the offending variable.
func Load(environ map[string]string) (Config, error) {
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: environ}); err != nil {
		return Config{}, describeParseError(err, environ)
	}
	url, err := NormalizeDatabaseURL(c.DatabaseURL)
	if err != nil {
		return Config{}, fmt.Errorf("DATABASE_URL: %w", err)
	}
	c.DatabaseURL = url
	if err := c.validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

func (c Config) validate() error {
	switch {
	case c.PoolSize < 1:
		return fmt.Errorf("ASYNC_DATABASE_POOL_SIZE: must be at least 1, got %d", c.PoolSize)
	case c.MaxOverflow < 0:
		return fmt.Errorf("ASYNC_DATABASE_MAX_OVERFLOW: must not be negative, got %d", c.MaxOverflow)
	case c.PoolTimeout.Duration() <= 0:
		return fmt.Errorf("ASYNC_DATABASE_POOL_TIMEOUT: must be positive, got %s", c.PoolTimeout)
	case c.PoolRecycle.Duration() < 0:
		return fmt.Errorf("ASYNC_DATABASE_POOL_RECYCLE: must not be negative, got %s", c.PoolRecycle)
	case c.GeneratorLatency < 0:
		return fmt.Errorf("GENERATOR_LATENCY: must not be negative, got %s", c.GeneratorLatency)
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("SHUTDOWN_TIMEOUT: must be positive, got %s", c.ShutdownTimeout)
	case c.AIProviderURL == "" && (c.AIProviderModel != "" || c.AIProviderAPIKey != ""):
		return errors.New("AI_PROVIDER_URL: must be set when AI_PROVIDER_MODEL or AI_PROVIDER_API_KEY is")
	case c.AIProviderURL != "" && c.AIProviderModel == "":
		return errors.New("AI_PROVIDER_MODEL: must be set when AI_PROVIDER_URL is")
	}
	if c.AIProviderURL != "" {
		if err := checkHTTPURL(c.AIProviderURL); err != nil {
			return fmt.Errorf("AI_PROVIDER_URL: %w", err)
		}
	}
	return nil
}

// describeParseError turns the env library's error, which names struct fields, into one
// line that names the environment variable an operator has to fix.
func describeParseError(err error, environ map[string]string) error {
	var agg env.AggregateError
	if errors.As(err, &agg) && len(agg.Errors) > 0 {
		err = agg.Errors[0]
	}
	var parseErr env.ParseError
	if errors.As(err, &parseErr) {
		name := variableOf(parseErr.Name)
		return fmt.Errorf("%s: invalid value %q: %s", name, environ[name], expectation(parseErr))
	}
	var notSet env.VarIsNotSetError
	if errors.As(err, &notSet) {
		return fmt.Errorf("%s: required but not set", notSet.Key)
	}
	var empty env.EmptyVarError
	if errors.As(err, &empty) {
		return fmt.Errorf("%s: required but empty", empty.Key)
	}
	return fmt.Errorf("configuration: %v", err)
}

// expectation says what a variable should hold. Errors of our own types (Seconds) say it
// themselves; the standard parsers' errors only repeat the input, so we name the type.
func expectation(e env.ParseError) string {
	var numErr *strconv.NumError
	switch {
	case e.Type == reflect.TypeFor[time.Duration]():
		return `want a Go duration such as "0s", "50ms" or "20s"`
	case errors.As(e.Err, &numErr) && e.Type.Kind() == reflect.Bool:
		return "want true or false"
	case errors.As(e.Err, &numErr):
		return "want an integer"
	default:
		return e.Err.Error()
	}
}

// variableOf returns the environment variable behind a Config field.
func variableOf(field string) string {
	f, ok := reflect.TypeFor[Config]().FieldByName(field)
	if !ok {
		return field
	}
	name, _, _ := strings.Cut(f.Tag.Get("env"), ",")
	return name
}
