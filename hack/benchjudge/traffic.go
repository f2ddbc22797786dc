package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/interviewapi/operator/test/e2e/framework"
)

// loadProfile is the traffic one instance gets through its Service during a scenario.
type loadProfile struct {
	name string
	// rate (requests started per second, an open loop) and concurrency of the base
	// load; rate 0 is a closed loop of concurrency clients sending back to back.
	rate        float64
	concurrency int
	// burstClients, when set, are added as a closed loop for burstOn every
	// burstOn+burstOff: both tracks get the bursts alike, through the Service.
	burstClients      int
	burstOn, burstOff time.Duration
}

// The profiles of the corpus. steady is the e2e suite's load: a quarter of it on the
// first step's canary pod is far more than minAcquires per interval.
var (
	steady   = loadProfile{name: "steady", rate: 40, concurrency: 32}
	low      = loadProfile{name: "low", rate: 8, concurrency: 8}
	bursty   = loadProfile{name: "bursty", rate: 40, concurrency: 32, burstClients: 12, burstOn: 3 * time.Second, burstOff: 5 * time.Second}
	starving = loadProfile{name: "12 clients back to back", concurrency: 12}
)

func (p loadProfile) String() string {
	switch {
	case p.rate == 0:
		return p.name
	case p.burstClients > 0:
		return fmt.Sprintf("%s: %.0f req/s + %d clients back to back for %s every %s", p.name, p.rate, p.burstClients, p.burstOn, p.burstOn+p.burstOff)
	default:
		return fmt.Sprintf("%s: %.0f req/s", p.name, p.rate)
	}
}

// traffic is a profile running against one Service: the base load and its bursts,
// with every answer counted.
type traffic struct {
	base   *framework.Load
	cancel context.CancelFunc
	done   chan struct{}

	mu sync.Mutex
	// ended sums the bursts that have stopped; current is the running one.
	ended   framework.Counts
	current *framework.Load
}

func startTraffic(ctx context.Context, baseURL string, p loadProfile) (*traffic, error) {
	base, err := framework.StartLoad(ctx, framework.LoadOptions{BaseURL: baseURL, Rate: p.rate, Concurrency: p.concurrency})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	t := &traffic{base: base, cancel: cancel, done: make(chan struct{}), ended: framework.Counts{}}
	go func() {
		defer close(t.done)
		if p.burstClients == 0 {
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(p.burstOff):
			}
			burst, err := framework.StartLoad(ctx, framework.LoadOptions{BaseURL: baseURL, Concurrency: p.burstClients})
			if err != nil {
				// A burst that cannot start (the Service answers nothing) is the base
				// load's failure to report; the next one tries again.
				continue
			}
			t.mu.Lock()
			t.current = burst
			t.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(p.burstOn):
			}
			t.mu.Lock()
			burst.Stop()
			t.ended = t.ended.Add(burst.Counts())
			t.current = nil
			t.mu.Unlock()
		}
	}()
	return t, nil
}

// Counts are the answers of the base load and every burst so far.
func (t *traffic) Counts() framework.Counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.base.Counts().Add(t.ended)
	if t.current != nil {
		c = c.Add(t.current.Counts())
	}
	return c
}

// Stop ends the traffic.
func (t *traffic) Stop() {
	t.cancel()
	<-t.done
	t.base.Stop()
}
