package service

import (
	"context"
	"sync"
	"time"
)

// How GET /api/v1/services asks the external generator whether it is there: with a
// short deadline, so that a hung provider does not hold the report, and at most once
// per generatorProbeTTL, so that polling the report does not load the provider.
const (
	generatorProbeTimeout = time.Second
	generatorProbeTTL     = 10 * time.Second
)

// GeneratorProbe tells whether the external generator answers; generator.OpenAI is one.
type GeneratorProbe interface {
	Probe(ctx context.Context) error
}

// generatorHealth caches the latest probe of the external generator.
type generatorHealth struct {
	probe GeneratorProbe
	now   func() time.Time

	mu      sync.Mutex
	checked time.Time
	err     error
}

// check returns the latest probe's result and when it was taken, probing first when
// the latest is older than generatorProbeTTL. Concurrent callers wait for one probe.
func (g *generatorHealth) check(ctx context.Context) (time.Time, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.checked.IsZero() && g.now().Sub(g.checked) < generatorProbeTTL {
		return g.checked, g.err
	}
	// The result is about the provider, cached for other requests: the caller
	// going away must not end the probe as a failure.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), generatorProbeTimeout)
	defer cancel()
	g.err = g.probe.Probe(ctx)
	g.checked = g.now()
	return g.checked, g.err
}
