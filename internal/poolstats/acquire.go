package poolstats

import (
	"context"
	"errors"
	"time"
)

// errAcquireDeadline is the cause of an acquire context whose pool timeout expired; it
// tells a timeout apart from a caller that gave up.
var errAcquireDeadline = errors.New("pool timeout expired")

// AcquireContext returns the context an engine acquires a connection with: ctx bounded
// by the pool timeout. Cancel it as soon as the acquire returns.
func AcquireContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, timeout, errAcquireDeadline)
}

// ClassifyAcquire tells the result of an acquire made with a context from
// AcquireContext and returning err.
func ClassifyAcquire(acquireCtx context.Context, err error) Result {
	switch {
	case err == nil:
		return Success
	case errors.Is(context.Cause(acquireCtx), errAcquireDeadline):
		return Timeout
	case acquireCtx.Err() != nil:
		return Canceled
	}
	return Failed
}
