//go:build e2e

package helminstall

import (
	"context"
	"fmt"
	"time"
)

// pollInterval is how often a wait looks again; the local cluster's pods turn Ready
// within a few hundred milliseconds of serving.
const pollInterval = 250 * time.Millisecond

// waitFor calls cond until it reports done, returns an error, or timeout passes. cond
// also describes the state it saw, so a timeout says what was still missing.
func waitFor(ctx context.Context, timeout time.Duration, what string, cond func(context.Context) (done bool, state string, err error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var state string
	for {
		done, s, err := cond(ctx)
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if done {
			return nil
		}
		state = s
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not reached within %s; last seen: %s", what, timeout, state)
		case <-tick.C:
		}
	}
}
