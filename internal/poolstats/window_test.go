package poolstats

import (
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestBucketsBoundTheirValues(t *testing.T) {
	for _, d := range []time.Duration{0, time.Microsecond, 1500 * time.Nanosecond, time.Millisecond, 99 * time.Millisecond, time.Second, 30 * time.Second} {
		i := bucketOf(d)
		if d > bucketUpper(i) {
			t.Errorf("%v in bucket %d with upper bound %v", d, i, bucketUpper(i))
		}
		if i > 0 && d <= bucketUpper(i-1) {
			t.Errorf("%v in bucket %d but fits bucket %d (upper %v)", d, i, i-1, bucketUpper(i-1))
		}
	}
	if got := bucketOf(time.Hour); got != bucketCount-1 {
		t.Errorf("an hour lands in bucket %d, want the last (%d)", got, bucketCount-1)
	}
}

func TestWindowQuantilesAndExpiry(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	w := newWindow(60*time.Second, clock.now)
	for i := 0; i < 98; i++ {
		w.observe(time.Millisecond, -1)
	}
	w.observe(500*time.Millisecond, 1)
	w.observe(500*time.Millisecond, 1)

	s := w.summary()
	if s.count != 100 || s.marks[1] != 2 {
		t.Fatalf("count %d marks %v, want 100 and two of kind 1", s.count, s.marks)
	}
	within := func(got, want time.Duration) bool { return got >= want && float64(got) <= float64(want)*growth }
	if p50 := s.quantile(0.5); !within(p50, time.Millisecond) {
		t.Errorf("p50 = %v, want about 1ms", p50)
	}
	if p99 := s.quantile(0.99); !within(p99, 500*time.Millisecond) {
		t.Errorf("p99 = %v, want about 500ms", p99)
	}

	clock.t = clock.t.Add(59 * time.Second)
	w.observe(2*time.Millisecond, -1)
	if got := w.summary().count; got != 101 {
		t.Errorf("59 s later the window holds %d observations, want 101", got)
	}
	clock.t = clock.t.Add(time.Second)
	if got := w.summary(); got.count != 1 || got.marks[1] != 0 {
		t.Errorf("60 s later the window holds %d observations and marks %v, want only the newest", got.count, got.marks)
	}
	clock.t = clock.t.Add(10 * time.Minute)
	if got := w.summary(); got.count != 0 || got.quantile(0.99) != 0 {
		t.Errorf("an idle window still holds %d observations", got.count)
	}
}
