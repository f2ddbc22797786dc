package main

import (
	"context"
	"fmt"
	"time"

	"github.com/interviewapi/operator/hack/loadgen/loadgen"
)

// sweep runs parse-jd alone at each latency of the fake external generator, sync and
// async on fresh servers with the same pool, so that the table shows where holding a
// connection across the model call (the sync engine's design) costs throughput.
func (b *bench) sweep(ctx context.Context) ([]sweepPoint, error) {
	o := b.opts
	if len(o.sweepLatencies) == 0 {
		return nil, nil
	}
	gen, err := startFakeGenerator()
	if err != nil {
		return nil, err
	}
	defer gen.close()
	var out []sweepPoint
	total, n := len(o.sweepLatencies)*len(o.modes), 0
	for _, latency := range o.sweepLatencies {
		gen.setDelay(latency)
		for _, mode := range o.modes {
			n++
			label := fmt.Sprintf("[sweep %d/%d] %s generator %s c=%d", n, total, mode, latency, o.sweepConcurrency)
			sp, err := b.sweepPoint(ctx, label, mode, latency, gen)
			if err != nil {
				return out, err
			}
			out = append(out, sp)
		}
	}
	return out, nil
}

func (b *bench) sweepPoint(ctx context.Context, label, mode string, latency time.Duration, gen *fakeGenerator) (sp sweepPoint, err error) {
	o := b.opts
	sp = sweepPoint{Mode: mode, Latency: latency, Concurrency: o.sweepConcurrency, Load: loadAverage()}
	settings := serverSettings{databaseURL: b.databaseURL, async: mode == "async", poolSize: o.poolSize,
		maxOverflow: o.maxOverflow, generatorURL: gen.url}
	b.log.printf("%s: starting the server (load average %.2f)", label, sp.Load)
	srv, prof, err := b.startServer(ctx, settings, fmt.Sprintf("sweep-%s-%s", mode, sp.Latency))
	if err != nil {
		return sp, err
	}
	defer func() {
		if stopErr := srv.stop(); stopErr != nil && err == nil {
			err = stopErr
		}
	}()
	mix := loadgen.Mix{{Op: loadgen.OpParseJD, Weight: 1}}
	if o.warmup > 0 {
		if _, err := b.load(ctx, label+" warm-up", srv.url, mix, nil, o.sweepConcurrency, o.warmup); err != nil {
			return sp, err
		}
	}
	meter, err := b.meter(srv.pid())
	if err != nil {
		return sp, err
	}
	poolBefore, err := scrapePool(ctx, srv.url)
	if err != nil {
		return sp, err
	}
	callsBefore := gen.calls.Load()
	ph, err := b.measure(ctx, label, srv.url, meter, prof, fmt.Sprintf("sweep-%s-%s", mode, sp.Latency), mix, nil, o.sweepConcurrency, o.sweepDuration)
	if err != nil {
		return sp, err
	}
	poolAfter, err := scrapePool(ctx, srv.url)
	if err != nil {
		return sp, err
	}
	if calls := gen.calls.Load() - callsBefore; calls < ph.Summary.Requests-ph.Summary.Errors {
		return sp, fmt.Errorf("%s: the fake generator answered %d calls for %d parse-jd: the server did not use it (log: %s)", label, calls, ph.Summary.Requests, srv.logPath)
	}
	sp.Summary, sp.CPU, sp.Pool = ph.Summary, ph.CPU, poolAfter.sub(poolBefore)
	return sp, nil
}
