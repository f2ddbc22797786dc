package crash

import (
	"fmt"
	"testing"
	"time"

	"github.com/interviewapi/operator/test/serverproc"
)

// serverBinary is the interviewapi-server built from this repository by TestMain.
var serverBinary string

// startServer runs the server with the given engine against databaseURL, with a small
// pool whose requests give up quickly while the database is down.
func startServer(t *testing.T, databaseURL, mode string) *serverproc.Server {
	t.Helper()
	return serverproc.Start(t, serverBinary,
		"DATABASE_URL="+databaseURL,
		"ASYNC_DATABASE_ENABLED="+fmt.Sprint(mode == "async"),
		"ASYNC_DATABASE_POOL_SIZE=4",
		"ASYNC_DATABASE_MAX_OVERFLOW=4",
		"ASYNC_DATABASE_POOL_TIMEOUT=2",
		"SHUTDOWN_TIMEOUT=20s",
	)
}

// waitFor polls check every 50 ms until it returns nil, or fails the test after timeout
// with its last error.
func waitFor(t *testing.T, timeout time.Duration, what string, check func() error) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		err := check()
		if err == nil {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("%s: not within %s: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
