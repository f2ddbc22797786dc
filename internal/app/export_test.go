package app

import (
	"time"

	"k8s.io/utils/clock"
)

// DrainGrace is the drain's bound in production.
const DrainGrace = drainGrace

// SetDrain replaces the drain's clock and bound, before Serve.
func (a *App) SetDrain(clk clock.Clock, grace time.Duration) {
	a.clock, a.drainGrace = clk, grace
}
