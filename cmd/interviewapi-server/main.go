// Command interviewapi-server is the interview API: question generation from a job
// description, answer analysis, and database-pool monitoring, with the legacy sync and
// the new async database engine (ASYNC_DATABASE_ENABLED). Configuration comes from the
// environment; see internal/config.
//
//	interviewapi-server            serve (migrations are applied in the background)
//	interviewapi-server migrate    apply the migrations and exit
//	interviewapi-server --version  print the version and exit
package main

import (
	"context"
	"fmt"
	"os"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "interviewapi-server:", err)
		os.Exit(1)
	}
}

// run executes the command line of this process.
func run(ctx context.Context) error {
	return newCommand(environ(os.Environ()), os.Stdout, os.Stderr).ExecuteContext(ctx)
}
