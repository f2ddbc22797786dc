// Package migrations holds the database schema as goose SQL migrations, embedded in the
// server binary: the question bank (00001, 00002) and the interview sessions (00003).
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed *.sql
var files embed.FS

// FS returns the migrations; goose finds them at its root.
func FS() fs.FS { return files }
