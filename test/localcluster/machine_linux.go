package localcluster

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The real node's machine-wide names. A kubelet claims fixed paths, the /kubepods
// cgroups and its ports, so one real node runs per machine at a time (docs/localcluster.md).
const (
	machineName  = "interviewapi-localcluster"
	machineState = "/run/" + machineName // lock, state.json, containerd's and runc's state
	cgroupV1Root = "/sys/fs/cgroup"
)

// kernelSettings are the machine-wide sysctls the kubelet rewrites at start whatever
// its configuration says; the node puts back what it found.
var kernelSettings = []string{
	"vm.overcommit_memory", "vm.panic_on_oom", "kernel.panic", "kernel.panic_on_oops",
	"kernel.keys.root_maxkeys", "kernel.keys.root_maxbytes",
}

// fixedPaths are folders the kubelet, containerd and the CNI plugins create outside any
// directory they are given. Those that did not exist before the node started are
// removed at its end.
var fixedPaths = []string{
	"/var/lib/kubelet", "/var/log/containers", "/var/log/pods", "/var/lib/cni",
	"/run/containerd", "/etc/cni", "/opt/cni", "/etc/containerd",
	netnsDir,
}

// netnsDir is where `ip netns` keeps namespaces; it makes the folder a mount of itself
// the first time. Others may use it too, so it is removed only when empty.
const netnsDir = "/run/netns"

// machineRecord is what a running real node changed on the machine, in
// machineState/state.json, so that the next start can undo it after a crash.
type machineRecord struct {
	PID     int               `json:"pid"`
	Dir     string            `json:"dir"`
	Started time.Time         `json:"started"`
	Sysctls map[string]string `json:"sysctls"`
	Created []string          `json:"created"`
}

// machine is the real node's hold on this machine: a lock (flock, released by the
// kernel when the holder dies) and the record of what it changed.
type machine struct {
	lock   *os.File
	record machineRecord
	log    *slog.Logger
}

func stateFile() string { return filepath.Join(machineState, "state.json") }

// claimMachine takes the machine-wide lock, or says which cluster holds it, and undoes
// whatever a crashed predecessor left behind.
func claimMachine(ctx context.Context, dir string, log *slog.Logger) (*machine, error) {
	if err := os.MkdirAll(machineState, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(machineState, "lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			holder := "another program"
			if rec, err := readRecord(); err == nil {
				holder = fmt.Sprintf("pid %d (cluster directory %s, started %s)", rec.PID, rec.Dir, rec.Started.Format(time.RFC3339))
			}
			return nil, fmt.Errorf("a real node is already running on this machine, held by %s: only one can run at a time (the kubelet uses fixed paths, cgroups and ports); stop it, or start this cluster with the process node (--node process)", holder)
		}
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	m := &machine{lock: f, log: log}
	if rec, err := readRecord(); err == nil {
		log.Info("cleaning up after a real node that did not stop", "pid", rec.PID, "dir", rec.Dir, "started", rec.Started)
		if err := m.undo(ctx, rec); err != nil {
			m.release()
			return nil, fmt.Errorf("clean up the real node left by pid %d: %w", rec.PID, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		m.release()
		return nil, err
	}
	// A crash before the record was written may still have left the namespace, cgroups
	// or mounts: undo the fixed names in any case.
	if err := m.undo(ctx, machineRecord{}); err != nil {
		m.release()
		return nil, err
	}
	m.record = machineRecord{PID: os.Getpid(), Dir: dir, Started: time.Now(), Sysctls: map[string]string{}}
	for _, s := range kernelSettings {
		v, err := readSysctl(s)
		if err != nil {
			m.release()
			return nil, err
		}
		m.record.Sysctls[s] = v
	}
	for _, p := range fixedPaths {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			m.record.Created = append(m.record.Created, p)
		}
	}
	if err := m.save(); err != nil {
		m.release()
		return nil, err
	}
	return m, nil
}

func readRecord() (machineRecord, error) {
	var rec machineRecord
	data, err := os.ReadFile(stateFile())
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, fmt.Errorf("parse %s: %w", stateFile(), err)
	}
	return rec, nil
}

func (m *machine) save() error { return writeJSONAtomic(stateFile(), m.record) }

// restore undoes this node's changes and gives the machine back.
func (m *machine) restore(ctx context.Context) error {
	err := m.undo(ctx, m.record)
	if err == nil {
		err = os.Remove(stateFile())
	}
	if err == nil {
		// The lock file goes too, so that nothing of the node remains; a start racing
		// with this one at worst locks a file that is being removed, and locks anew.
		_ = os.Remove(filepath.Join(machineState, "lock"))
		_ = os.Remove(machineState)
	}
	m.release()
	return err
}

func (m *machine) release() {
	if m.lock != nil {
		m.lock.Close()
		m.lock = nil
	}
}

// undo ends every process in the node's cgroups, unmounts what is mounted under its
// folders, removes its cgroups and network namespace, puts the kernel settings back and
// removes the fixed folders it created. It is safe to repeat.
func (m *machine) undo(ctx context.Context, rec machineRecord) error {
	var errs []error
	if err := killCgroupTree(machineName); err != nil {
		errs = append(errs, err)
	}
	roots := []string{machineState}
	if rec.Dir != "" {
		roots = append(roots, filepath.Join(rec.Dir, "node"))
	}
	for _, p := range rec.Created {
		if p != netnsDir {
			roots = append(roots, p)
		}
	}
	if err := unmountUnder(roots); err != nil {
		errs = append(errs, err)
	}
	if err := removeCgroupTree(machineName); err != nil {
		errs = append(errs, err)
	}
	if err := newNetns(machineName).delete(ctx); err != nil {
		errs = append(errs, err)
	}
	for _, s := range slices.Sorted(maps.Keys(rec.Sysctls)) {
		if err := writeSysctl(s, rec.Sysctls[s]); err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range rec.Created {
		if p == netnsDir {
			if entries, err := os.ReadDir(p); err == nil && len(entries) == 0 {
				_ = unix.Unmount(p, unix.MNT_DETACH)
				_ = os.Remove(p)
			}
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range []string{filepath.Join(machineState, "containerd"), filepath.Join(machineState, "runc")} {
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func sysctlPath(name string) string {
	return filepath.Join("/proc/sys", strings.ReplaceAll(name, ".", "/"))
}

func readSysctl(name string) (string, error) {
	b, err := os.ReadFile(sysctlPath(name))
	if err != nil {
		return "", fmt.Errorf("read sysctl %s: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func writeSysctl(name, value string) error {
	if cur, err := readSysctl(name); err == nil && cur == value {
		return nil
	}
	if err := os.WriteFile(sysctlPath(name), []byte(value), 0o644); err != nil {
		return fmt.Errorf("restore sysctl %s=%s: %w", name, value, err)
	}
	return nil
}

// cgroupHierarchies are the mounted cgroup v1 hierarchies (and the unified one of a
// hybrid machine), each a folder under /sys/fs/cgroup.
func cgroupHierarchies() []string {
	entries, err := os.ReadDir(cgroupV1Root)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		p := filepath.Join(cgroupV1Root, e.Name())
		if _, err := os.Stat(filepath.Join(p, "cgroup.procs")); err == nil && e.IsDir() {
			out = append(out, p)
		}
	}
	return out
}

// createCgroup makes NAME in every hierarchy; cpuset needs its CPUs and memory nodes
// copied from the parent before a process may join.
func createCgroup(name string) error {
	for _, h := range cgroupHierarchies() {
		dir := h
		for _, part := range strings.Split(name, "/") {
			dir = filepath.Join(dir, part)
			if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
				return fmt.Errorf("create cgroup %s: %w", dir, err)
			}
			if err := inheritCpuset(dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// inheritCpuset gives a new cpuset cgroup its parent's CPUs and memory nodes (empty
// ones refuse every process).
func inheritCpuset(dir string) error {
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		own, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || strings.TrimSpace(string(own)) != "" {
			continue
		}
		parent, err := os.ReadFile(filepath.Join(filepath.Dir(dir), f))
		if err != nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, f), parent, 0o644); err != nil {
			return fmt.Errorf("set %s of cgroup %s: %w", f, dir, err)
		}
	}
	return nil
}

// joinCgroup moves a process into NAME in every hierarchy.
func joinCgroup(name string, pid int) error {
	for _, h := range cgroupHierarchies() {
		if err := os.WriteFile(filepath.Join(h, name, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0o644); err != nil {
			return fmt.Errorf("move pid %d into cgroup %s: %w", pid, filepath.Join(h, name), err)
		}
	}
	return nil
}

// cgroupPIDs lists every process in the tree under NAME, in any hierarchy.
func cgroupPIDs(name string) []int {
	seen := map[int]bool{}
	for _, h := range cgroupHierarchies() {
		_ = filepath.WalkDir(filepath.Join(h, name), func(p string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			b, err := os.ReadFile(filepath.Join(p, "cgroup.procs"))
			if err != nil {
				return nil
			}
			for _, f := range strings.Fields(string(b)) {
				if pid, err := strconv.Atoi(f); err == nil {
					seen[pid] = true
				}
			}
			return nil
		})
	}
	return slices.Sorted(maps.Keys(seen))
}

// killCgroupTree SIGKILLs every process under NAME until none is left: containerd, its
// shims (which detach from us), the containers, the kubelet and kube-proxy.
func killCgroupTree(name string) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids := cgroupPIDs(name)
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v of cgroup %s survive SIGKILL", pids, name)
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// removeCgroupTree removes NAME and its children, deepest first, in every hierarchy.
func removeCgroupTree(name string) error {
	var errs []error
	for _, h := range cgroupHierarchies() {
		var dirs []string
		_ = filepath.WalkDir(filepath.Join(h, name), func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
		for i := len(dirs) - 1; i >= 0; i-- {
			if err := removeCgroup(dirs[i]); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// removeCgroup retries a moment: a cgroup whose last process was just reaped can still
// be busy.
func removeCgroup(dir string) error {
	var err error
	for range 50 {
		if err = unix.Rmdir(dir); err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("remove cgroup %s: %w", dir, err)
}

// unmountUnder unmounts every mount point inside the given folders, deepest first.
func unmountUnder(roots []string) error {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return err
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		p := unescapeMount(fields[4])
		for _, r := range roots {
			if p == r || strings.HasPrefix(p, strings.TrimSuffix(r, "/")+"/") {
				points = append(points, p)
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	// Deeper paths first; a path mounted twice is unmounted twice.
	slices.SortFunc(points, func(a, b string) int { return len(b) - len(a) })
	var errs []error
	for _, p := range points {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// unescapeMount decodes the octal escapes mountinfo uses for spaces and the like.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// realNodeBusy reports whether a real node holds the machine, and which.
func realNodeBusy() (string, bool) {
	f, err := os.Open(filepath.Join(machineState, "lock"))
	if err != nil {
		return "", false
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		if rec, err := readRecord(); err == nil {
			return fmt.Sprintf("pid %d, cluster directory %s", rec.PID, rec.Dir), true
		}
		return "pid unknown", true
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return "", false
}
