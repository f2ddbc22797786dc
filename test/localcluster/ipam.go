package localcluster

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// addressPool hands out pod addresses from 127.0.0.0/8, which Linux routes to the
// loopback interface without any set-up: a process can bind 127.0.0.23 as it is. The
// lowest free address is given first, so freed addresses are reused.
type addressPool struct {
	mu    sync.Mutex
	first netip.Addr
	last  netip.Addr
	used  map[netip.Addr]bool
}

func newAddressPool(first, last netip.Addr) *addressPool {
	return &addressPool{first: first, last: last, used: map[netip.Addr]bool{}}
}

// addressBlocks is how many clusters can run side by side on one machine: cluster N
// gives its pods 127.0.N.10–127.0.N.254. Addresses below .10 stay free for the host's
// own services (127.0.0.1, 127.0.0.53, …).
const addressBlocks = 256

// reserveAddressBlock takes the first address block no other cluster on this machine
// holds, so that clusters of tests running in parallel never hand out the same pod
// address. A block is held by an exclusive lock on a file in the temporary folder; the
// kernel drops the lock when the holder exits, however it exits. Closing the returned
// file frees the block.
func reserveAddressBlock() (*addressPool, *os.File, error) {
	dir := filepath.Join(os.TempDir(), "localcluster-address-blocks")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", dir, err)
	}
	for n := range addressBlocks {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("127.0.%d.0.lock", n)), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			return nil, nil, fmt.Errorf("open address block lock: %w", err)
		}
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			first := netip.AddrFrom4([4]byte{127, 0, byte(n), 10})
			last := netip.AddrFrom4([4]byte{127, 0, byte(n), 254})
			return newAddressPool(first, last), f, nil
		}
		f.Close()
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, nil, fmt.Errorf("lock address block 127.0.%d.0/24: %w", n, err)
		}
	}
	return nil, nil, fmt.Errorf("all %d pod address blocks are held by other local clusters", addressBlocks)
}

func (p *addressPool) allocate() (netip.Addr, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for a := p.first; a.Compare(p.last) <= 0; a = a.Next() {
		if last := a.As4()[3]; last == 0 || last == 255 {
			continue
		}
		if !p.used[a] {
			p.used[a] = true
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("no free pod address between %s and %s", p.first, p.last)
}

func (p *addressPool) release(a netip.Addr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.used, a)
}
