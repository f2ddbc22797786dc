//go:build tools

// Package tools pins the Prometheus server and promtool used by the alert-rule unit
// tests and the end-to-end analysis against a real Prometheus; `make tools` builds them.
package tools

import (
	_ "github.com/prometheus/prometheus/cmd/prometheus"
	_ "github.com/prometheus/prometheus/cmd/promtool"
)
