package localcluster

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// netns is the network namespace the real node lives in (see realnode_linux.go): every
// address of the control plane, the node, the pods and the Services is inside it, and
// nothing in it routes anywhere else. The cluster's own program stays in the host's
// namespace and crosses over only through sockets it opens inside (dial, listen): a
// socket belongs to the namespace of the thread that created it.
type netns struct {
	name string
	path string // /run/netns/NAME, as `ip netns` keeps it
}

func newNetns(name string) netns {
	return netns{name: name, path: filepath.Join("/run/netns", name)}
}

func (n netns) exists() bool {
	_, err := os.Stat(n.path)
	return err == nil
}

// create makes the namespace with its loopback up, IPv6 off (nothing here speaks it)
// and forwarding on (pod to pod traffic is routed through it, one veth per pod).
func (n netns) create(ctx context.Context) error {
	if err := run(ctx, "ip", "netns", "add", n.name); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"ip", "-n", n.name, "link", "set", "lo", "up"},
		{"nsenter", "--net=" + n.path, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"},
	} {
		if err := run(ctx, args[0], args[1:]...); err != nil {
			return err
		}
	}
	return nil
}

// delete removes the namespace; every interface, route and nftables rule in it goes
// with it once no process and no mount holds it.
func (n netns) delete(ctx context.Context) error {
	if !n.exists() {
		return nil
	}
	return run(ctx, "ip", "netns", "delete", n.name)
}

// command wraps a program so that it runs inside the namespace. nsenter enters the
// network namespace only (not a mount namespace, as `ip netns exec` would), so the
// kubelet's and containerd's mounts stay visible to each other; it execs the program,
// which keeps its pid, process group and parent-death signal.
func (n netns) command(path string, args []string) (string, []string) {
	return "nsenter", append([]string{"--net=" + n.path, "--", path}, args...)
}

// do runs fn on a thread that has entered the namespace, and returns the thread to the
// host's namespace afterwards. A thread that cannot return is never unlocked, so the
// Go runtime discards it.
func (n netns) do(fn func() error) error {
	target, err := unix.Open(n.path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open network namespace %s: %w", n.path, err)
	}
	defer unix.Close(target)
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		home, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("open this thread's network namespace: %w", err)
			return
		}
		defer unix.Close(home)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("enter network namespace %s: %w", n.name, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(home, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("leave network namespace %s: %w", n.name, err)
			return // the thread stays locked and ends with this goroutine
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// dial connects to addr from inside the namespace.
func (n netns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var conn net.Conn
	err := n.do(func() error {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		conn = c
		return err
	})
	return conn, err
}

// listen opens a listener inside the namespace.
func (n netns) listen(network, addr string) (net.Listener, error) {
	var ln net.Listener
	err := n.do(func() error {
		l, err := net.Listen(network, addr)
		ln = l
		return err
	})
	return ln, err
}

// run runs a short command and returns its output in the error when it fails.
func run(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
