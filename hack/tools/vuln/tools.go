//go:build tools

// Package tools pins govulncheck and the Go vulnerability database it reads offline:
// golang.org/x/vulndb carries every report as an OSV file (data/osv), and its indexdb
// command turns that folder into the database layout `govulncheck -db file://DIR`
// reads. The database is as recent as the pinned vulndb version.
package tools

import (
	_ "golang.org/x/vuln/cmd/govulncheck"
	_ "golang.org/x/vulndb/cmd/indexdb"
)
