// Package service is the interview API's business layer: it validates requests, parses
// job descriptions, picks questions from the bank, asks the generator for the rest,
// scores answers, and stores sessions through the mode-agnostic store.Store. It knows
// nothing of HTTP.
package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/interviewapi/operator/internal/generator"
	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/store"
)

// QuestionGenerator writes the questions the bank lacks and says which generator
// answered; generator.Fallback is one.
type QuestionGenerator interface {
	GenerateWithOutcome(ctx context.Context, r generator.Request) (generator.Outcome, error)
}

// Prober tells whether the database answers, without using the engine's pool.
type Prober interface {
	Ping(ctx context.Context) error
}

// GeneratorInfo describes the configured generators for GET /api/v1/services.
type GeneratorInfo struct {
	External string        // name of the external generator ("" when none is configured)
	Builtin  string        // name of the built-in one, the fallback
	Latency  time.Duration // GENERATOR_LATENCY of the built-in one
}

// Deps are what a Service works with.
type Deps struct {
	Store         store.Store
	Generator     QuestionGenerator
	GeneratorInfo GeneratorInfo
	Prober        Prober
	Pool          *poolstats.Recorder
	Log           *slog.Logger
	// GeneratorProbe asks the external generator whether it answers, for GET
	// /api/v1/services; nil when none is configured.
	GeneratorProbe GeneratorProbe
	// Clock is the time of the generator probe's cache and of the reference data's
	// checks; nil means time.Now.
	Clock func() time.Time
}

// Service is the business layer. Create it with New; it is safe for concurrent use.
type Service struct {
	store         store.Store
	generator     QuestionGenerator
	generatorInfo GeneratorInfo
	prober        Prober
	pool          *poolstats.Recorder
	log           *slog.Logger
	// generatorHealth is nil when no external generator is configured.
	generatorHealth *generatorHealth

	// ref is the reference data (taxonomy and question bank) of the schema version it
	// was loaded at; reference.go says when it is checked and reloaded.
	ref *referenceCache
}

// New returns a Service.
func New(d Deps) *Service {
	s := &Service{
		store: d.Store, generator: d.Generator, generatorInfo: d.GeneratorInfo,
		prober: d.Prober, pool: d.Pool, log: d.Log,
	}
	now := d.Clock
	if now == nil {
		now = time.Now
	}
	s.ref = newReferenceCache(now)
	if d.GeneratorProbe != nil {
		s.generatorHealth = &generatorHealth{probe: d.GeneratorProbe, now: now}
	}
	return s
}

// operation opens the store's scope of one API operation (store.Store.BeginRequest):
// the sync engine holds one connection from the operation's first statement until end
// is called, across the generator, as the legacy session-per-request design does; the
// async engine holds nothing. The service decides it, not the HTTP layer: an operation
// is the unit of work the legacy session covered, and the service is what knows one
// (each endpoint runs exactly one; the HTTP layer only decodes, answers and maps
// errors, and never sees the store).
func (s *Service) operation(ctx context.Context) (scoped context.Context, end func(), err error) {
	return s.store.BeginRequest(ctx)
}
