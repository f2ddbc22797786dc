package localcluster

import (
	"fmt"
	"net/netip"
	"sync"
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

// defaultAddressPool covers 127.0.0.10–127.0.3.254: the low addresses of 127.0.0.0/24
// stay free for the host's own services (127.0.0.1, 127.0.0.53, …).
func defaultAddressPool() *addressPool {
	return newAddressPool(netip.MustParseAddr("127.0.0.10"), netip.MustParseAddr("127.0.3.254"))
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
