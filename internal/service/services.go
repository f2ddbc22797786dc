package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/interviewapi/operator/internal/generator"
	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/store"
)

// Component states.
const (
	StatusUp       = "up"
	StatusDegraded = "degraded"
	StatusDown     = "down"
)

// Component is one internal service in GET /api/v1/services.
type Component struct {
	Name   string         `json:"name"`
	Status string         `json:"status"`
	Detail map[string]any `json:"detail"`
}

// ServicesReport is the status of every internal service; Status is "ok" when all are
// up, else "degraded".
type ServicesReport struct {
	Status   string      `json:"status"`
	Mode     string      `json:"mode"`
	Services []Component `json:"services"`
}

// Services reports the question bank, the generator, the session store and the
// database. It never fails: what cannot be reached is reported down, with why.
func (s *Service) Services(ctx context.Context) ServicesReport {
	if scoped, end, err := s.operation(ctx); err == nil {
		ctx = scoped
		defer end()
	}
	counts, countErr := s.store.Counts(ctx)
	probeErr := s.prober.Ping(ctx)
	snap := s.pool.Snapshot()

	bank := Component{Name: "question_bank", Status: StatusUp, Detail: map[string]any{}}
	sessions := Component{Name: "session_store", Status: StatusUp, Detail: map[string]any{}}
	if countErr != nil {
		bank.Status, sessions.Status = StatusDown, StatusDown
		bank.Detail["error"] = describe(countErr)
		sessions.Detail["error"] = describe(countErr)
	} else {
		bank.Detail["skills"] = counts.Skills
		bank.Detail["aliases"] = counts.Aliases
		bank.Detail["questions"] = counts.Questions
		ref := s.ref.current.Load()
		bank.Detail["taxonomy_loaded"] = ref != nil
		if ref != nil {
			bank.Detail["schema_version"] = ref.version
		}
		sessions.Detail["sessions_approx"] = counts.SessionsApprox
		sessions.Detail["analyses_approx"] = counts.AnalysesApprox
	}

	gen := Component{Name: "generator", Status: StatusUp, Detail: map[string]any{
		"builtin":            s.generatorInfo.Builtin,
		"builtin_latency_ms": s.generatorInfo.Latency.Milliseconds(),
	}}
	if s.generatorInfo.External != "" {
		gen.Detail["external"] = s.generatorInfo.External
		gen.Detail["fallback"] = s.generatorInfo.Builtin
		if s.generatorHealth != nil {
			checked, err := s.generatorHealth.check(ctx)
			gen.Detail["external_checked_at"] = checked.UTC().Format(time.RFC3339)
			gen.Detail["external_status"] = StatusUp
			if err != nil {
				// Questions are still written, by the built-in generator.
				gen.Status = StatusDegraded
				gen.Detail["external_status"] = StatusDown
				gen.Detail["external_error"] = fmt.Sprintf("the external generator %s; %s answers in its place",
					generator.Describe(err), s.generatorInfo.Builtin)
				s.log.Warn("external question generator probe failed", "error", err)
			}
		}
	}

	db := Component{Name: "database", Status: StatusUp, Detail: map[string]any{
		"mode":                   string(s.store.Mode()),
		"connection_pool_status": snap.Pool,
		"health":                 snap.Health,
	}}
	switch {
	case probeErr != nil:
		db.Status = StatusDown
		db.Detail["error"] = describe(probeErr)
	case snap.Health.Status != poolstats.Healthy:
		db.Status = StatusDegraded
	}

	report := ServicesReport{Status: "ok", Mode: string(s.store.Mode()), Services: []Component{bank, gen, sessions, db}}
	for _, c := range report.Services {
		if c.Status != StatusUp {
			report.Status = "degraded"
		}
	}
	return report
}

// describe says why a component is down without the driver's details (addresses).
func describe(err error) string {
	switch {
	case errors.Is(err, store.ErrPoolTimeout):
		return store.ErrPoolTimeout.Error()
	case errors.Is(err, store.ErrUnavailable):
		return store.ErrUnavailable.Error()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "request ended"
	}
	return "database error"
}
