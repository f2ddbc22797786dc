package localcluster

import (
	"fmt"
	"net"
)

// freePort asks the kernel for an unused loopback port. Another program may take it
// before ours binds it; callers that start servers retry with a new port when that
// happens.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
