package framework

import "syscall"

// childAttrs puts a child in its own process group, so that signals reach only it, and
// kills it when the process that started it dies, so that an interrupted test or demo
// leaves no operator behind.
func childAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
