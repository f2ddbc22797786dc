//go:build tools

// Package tools pins golangci-lint, the linter `make lint` (part of `make test`) runs.
package tools

import _ "github.com/golangci/golangci-lint/v2/cmd/golangci-lint"
