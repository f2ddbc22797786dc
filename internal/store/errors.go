package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/interviewapi/operator/internal/poolstats"
)

// Sentinel errors; the HTTP layer maps each to one status code.
var (
	// ErrNotFound: the session or question does not exist (404).
	ErrNotFound = errors.New("not found")
	// ErrPoolTimeout: no connection became free within the pool timeout (503).
	ErrPoolTimeout = errors.New("timed out waiting for a database connection")
	// ErrUnavailable: the database cannot be reached or refused the connection (503).
	ErrUnavailable = errors.New("database unavailable")
)

// Classify turns an error of a database call into the package's vocabulary: sentinel
// errors and the caller's own context errors pass through; connection-level failures
// become ErrUnavailable (wrapping the cause); a foreign-key violation means the row
// referred to is gone (ErrNotFound). connClosed reports whether the connection that ran
// the call is now closed, which pgx knows better than any error text.
func Classify(err error, connClosed bool) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrPoolTimeout), errors.Is(err, ErrUnavailable):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The request was abandoned (client gone, server shutting down): not the
		// database's fault, even though pgx closed the connection to interrupt it.
		return err
	case connClosed || IsConnectionFailure(err):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" { // foreign_key_violation
		return fmt.Errorf("%w: %s", ErrNotFound, pgErr.Detail)
	}
	return err
}

// AcquireError is the error of an acquire that did not get a connection, the same for
// both engines: the pool timeout is ErrPoolTimeout, a caller that gave up gets its own
// context error back, and a connection that could not be made is ErrUnavailable
// wrapping why. result is how poolstats classified the acquire (never Success).
func AcquireError(ctx context.Context, result poolstats.Result, timeout time.Duration, err error) error {
	switch result {
	case poolstats.Timeout:
		return fmt.Errorf("%w (%s)", ErrPoolTimeout, timeout)
	case poolstats.Canceled:
		return ctx.Err()
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// IsConnectionFailure reports whether err means that the database could not be reached,
// went away, or refuses new work for now, as opposed to rejecting one statement.
func IsConnectionFailure(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connectErr) || errors.As(err, &netErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case len(pgErr.Code) == 5 && pgErr.Code[:2] == "08": // connection_exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutting down / starting
			return true
		case pgErr.Code == "53300": // too_many_connections
			return true
		}
		return false
	}
	return pgconn.SafeToRetry(err)
}
