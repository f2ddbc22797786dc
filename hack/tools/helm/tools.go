//go:build tools

// Package tools pins the helm CLI used by the chart checks; `make tools` builds it.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
