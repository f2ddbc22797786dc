package localcluster

import "syscall"

func childProcAttr() *syscall.SysProcAttr {
	// Pdeathsig fires when the thread that forked the child ends. The Go runtime only
	// ends threads of goroutines that locked their thread and exited, which this
	// package never does, so in practice it fires when this program dies.
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
