//go:build !linux

package framework

import "syscall"

// childAttrs puts a child in its own process group, so that signals reach only it.
func childAttrs() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
