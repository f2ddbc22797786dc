// Command loadgen drives the interview API with a mix of realistic requests and prints
// throughput, latency percentiles and errors. It is used by `make bench-modes`, the demo
// and the end-to-end tests.
//
//	go run ./hack/loadgen --url http://127.0.0.1:8000 --concurrency 64 --duration 20s \
//	    --mix parse-jd=1,analyze-answer=1,services=1,session=1 --max-errors 0
//
// Exit status: 0 on success, 1 when the run could not be done (server unreachable,
// seeding failed, interrupted), 2 on bad flags, 3 when more than --max-errors requests
// failed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/interviewapi/operator/hack/loadgen/loadgen"
)

// exitTooManyErrors is distinct from a failure to run, so that callers can tell "the
// server misbehaved" from "the generator could not start".
const exitTooManyErrors = 3

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code, err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
	}
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		baseURL     = fs.String("url", "http://127.0.0.1:8000", "base URL of the server")
		concurrency = fs.Int("concurrency", 16, "workers, i.e. the most requests in flight")
		duration    = fs.Duration("duration", 10*time.Second, "length of the measured phase (0: until --requests are done)")
		requests    = fs.Int64("requests", 0, "stop after this many requests (0: no cap)")
		mixText     = fs.String("mix", "parse-jd=1,analyze-answer=1,services=1,session=1", "operations and weights: parse-jd, analyze-answer, services, session")
		rate        = fs.Float64("rate", 0, "open loop: start this many requests per second (0: closed loop)")
		timeout     = fs.Duration("timeout", loadgen.DefaultTimeout, "timeout of one request")
		progress    = fs.Duration("progress", 5*time.Second, "interval of progress lines on stderr (0: none)")
		asJSON      = fs.Bool("json", false, "print the summary as JSON")
		maxErrors   = fs.Int64("max-errors", -1, "exit with status 3 when more requests than this fail (-1: never)")
		numQs       = fs.Int("num-questions", loadgen.DefaultNumQuestions, "num_questions asked of parse-jd")
		seedN       = fs.Int("seed-sessions", loadgen.DefaultSeedSessions, "sessions created before the run when the mix reads sessions")
	)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, nil
		}
		return 2, err
	}
	if fs.NArg() > 0 {
		return 2, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	mix, err := loadgen.ParseMix(*mixText)
	if err != nil {
		return 2, err
	}
	cfg := loadgen.Config{
		BaseURL:      *baseURL,
		Concurrency:  *concurrency,
		Duration:     *duration,
		Requests:     *requests,
		Mix:          mix,
		Rate:         *rate,
		Timeout:      *timeout,
		Progress:     *progress,
		OnProgress:   func(p loadgen.Progress) { fmt.Fprintln(stderr, p) },
		NumQuestions: *numQs,
		SeedSessions: *seedN,
		Seed:         uint64(time.Now().UnixNano()),
	}

	summary, runErr := loadgen.Run(ctx, cfg)
	if runErr != nil && summary.Requests == 0 {
		return 1, runErr
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(summary); err != nil {
			return 1, fmt.Errorf("writing the summary: %w", err)
		}
	} else if err := loadgen.WriteText(stdout, summary); err != nil {
		return 1, fmt.Errorf("writing the summary: %w", err)
	}
	if runErr != nil {
		return 1, runErr
	}
	if *maxErrors >= 0 && summary.Errors > *maxErrors {
		return exitTooManyErrors, fmt.Errorf("%d requests failed, more than --max-errors %d", summary.Errors, *maxErrors)
	}
	return 0, nil
}
