// Package loopback finds free ports on 127.0.0.1 for the tests, the benchmarks and the
// local cluster: everything they start listens on loopback (docs/localcluster.md).
package loopback

import (
	"fmt"
	"net"
	"testing"
)

// FreePort asks the kernel for a loopback port nobody listens on right now. Another
// program may take it before the caller binds it; a server started on it then fails to
// start and says so, and callers that can retry with a new port do.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free loopback port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FreeAddr is FreePort as host:port, failing the test when no port can be had.
func FreeAddr(t testing.TB) string {
	t.Helper()
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", port)
}
