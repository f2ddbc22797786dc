package pgtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Kill crashes the cluster as a lost machine would: every process of it (the postmaster
// and all its children) gets SIGKILL at once, so nothing is flushed and no shutdown
// checkpoint is written; the next Start runs crash recovery from the WAL. The
// postmaster is stopped (SIGSTOP) first so that it can neither fork a new backend nor
// react to its children's deaths while they are killed. It returns the number of
// processes killed once all of them are gone.
func (c *Cluster) Kill() (int, error) {
	pid, err := c.postmasterPID()
	if err != nil {
		return 0, err
	}
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return 0, fmt.Errorf("stop postmaster %d: %w", pid, err)
	}
	victims := append(childrenOf(pid), pid)
	for _, p := range victims {
		if err := syscall.Kill(p, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			return 0, fmt.Errorf("kill %d: %w", p, err)
		}
	}
	// Gone means reaped, not only dead: a new postmaster refuses to start while the old
	// one's process id still answers, and a zombie's does. Orphans are reaped by init.
	deadline := time.Now().Add(30 * time.Second)
	for _, p := range victims {
		for exists(p) {
			if time.Now().After(deadline) {
				return 0, fmt.Errorf("process %d of the cluster still present 30s after SIGKILL", p)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return len(victims), nil
}

// postmasterPID reads the postmaster's process id from the first line of its lock file.
func (c *Cluster) postmasterPID() (int, error) {
	data, err := os.ReadFile(filepath.Join(c.Dir, "data", "postmaster.pid"))
	if err != nil {
		return 0, fmt.Errorf("the cluster in %s is not running: %w", c.Dir, err)
	}
	first, _, _ := strings.Cut(string(data), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("postmaster.pid of %s: bad process id %q", c.Dir, first)
	}
	return pid, nil
}

// childrenOf lists the processes whose parent is pid, from /proc.
func childrenOf(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, ok := parentOf(child); ok && ppid == pid {
			out = append(out, child)
		}
	}
	return out
}

// exists reports whether pid is still in the process table (alive or a zombie).
func exists(pid int) bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}

// parentOf reads the parent of pid from /proc/PID/stat ("pid (comm) S ppid ..."; comm
// may contain spaces, so fields are counted after its closing parenthesis).
func parentOf(pid int) (int, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 2 {
		return 0, false
	}
	ppid, err := strconv.Atoi(fields[1])
	return ppid, err == nil
}
