//go:build !linux

package localcluster

import "syscall"

// Without a parent-death signal, children outlive a parent that is killed with
// SIGKILL; every orderly exit path still stops them.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
