// Command kubectl-interviewapi is the kubectl plugin of the InterviewAPI operator; with
// the binary on PATH it runs as `kubectl interviewapi`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/interviewapi/operator/internal/plugin"
)

func main() {
	// The controller-runtime client logs nothing a CLI user needs; without a logger it
	// would warn on stderr that none was set.
	ctrllog.SetLogger(logr.Discard())

	// Ctrl-C ends `status --watch` cleanly and cancels any request in flight.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := plugin.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
