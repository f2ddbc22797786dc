package localcluster

import (
	"net/netip"
	"testing"
)

func TestAddressPoolGivesLowestFreeAddress(t *testing.T) {
	p := newAddressPool(netip.MustParseAddr("127.0.0.253"), netip.MustParseAddr("127.0.1.2"))
	var got []string
	for range 4 {
		a, err := p.allocate()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, a.String())
	}
	// .255 and .0 are skipped: they read as broadcast and network addresses.
	want := []string{"127.0.0.253", "127.0.0.254", "127.0.1.1", "127.0.1.2"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("allocations = %v, want %v", got, want)
		}
	}
	if _, err := p.allocate(); err == nil {
		t.Fatal("allocate from an exhausted pool succeeded")
	}
	p.release(netip.MustParseAddr("127.0.0.254"))
	if a, err := p.allocate(); err != nil || a.String() != "127.0.0.254" {
		t.Fatalf("after release: %v, %v; want the freed 127.0.0.254", a, err)
	}
}

func TestAddressBlocksAreExclusive(t *testing.T) {
	first, f1, err := reserveAddressBlock()
	if err != nil {
		t.Fatal(err)
	}
	second, f2, err := reserveAddressBlock()
	if err != nil {
		t.Fatal(err)
	}
	if first.first == second.first {
		t.Fatalf("two holders got the same block %s", first.first)
	}
	f1.Close()
	third, f3, err := reserveAddressBlock()
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	defer f3.Close()
	if third.first != first.first {
		t.Errorf("freed block %s not reused: got %s", first.first, third.first)
	}
}
