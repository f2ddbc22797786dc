package poolhealth

import (
	"math"
	"os"
	"strings"
	"testing"
)

// FuzzParseText feeds arbitrary bodies to the parser: a pod's /metrics is input the
// operator does not control, so parsing must fail cleanly, never panic, and whatever it
// accepts must be a histogram the quantile maths can use.
func FuzzParseText(f *testing.F) {
	for _, name := range []string{"metrics-1.txt", "metrics-3.txt", "metrics-restarted.txt"} {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("# TYPE interviewapi_db_pool_acquire_duration_seconds histogram\ninterviewapi_db_pool_acquire_duration_seconds_bucket{le=\"1\"} 2\n")
	f.Fuzz(func(t *testing.T, body string) {
		s, err := ParseText(strings.NewReader(body), t0)
		if err != nil || s.AcquireWait == nil {
			return
		}
		bs := s.AcquireWait.Buckets
		if len(bs) == 0 || !math.IsInf(bs[len(bs)-1].UpperBound, 1) {
			t.Fatalf("histogram without a final +Inf bucket: %+v", bs)
		}
		for i := 1; i < len(bs); i++ {
			if bs[i].UpperBound < bs[i-1].UpperBound {
				t.Fatalf("buckets out of order: %+v", bs)
			}
		}
		_ = s.AcquireWait.Quantile(0.99)
	})
}

// FuzzQuantile checks that an estimate always lies between the bounds of the bucket
// the rank falls in, whatever the counts.
func FuzzQuantile(f *testing.F) {
	f.Add(0.99, 1.0, 5.0, 9.0, 10.0)
	f.Add(0.5, 0.0, 0.0, 3.0, 3.0)
	f.Fuzz(func(t *testing.T, q, c1, c2, c3, c4 float64) {
		for _, c := range []float64{c1, c2, c3, c4} {
			if math.IsNaN(c) || math.IsInf(c, 0) || c < 0 || c > 1e12 {
				return
			}
		}
		if math.IsNaN(q) || q < 0 || q > 1 {
			return
		}
		h := &Histogram{Buckets: []Bucket{{0.001, c1}, {0.01, c2}, {0.1, c3}, {math.Inf(1), c4}}}
		got := h.Quantile(q)
		if math.IsNaN(got) {
			return
		}
		if got < 0 || got > 0.1 {
			t.Fatalf("Quantile(%v) of %+v = %v, outside [0, 0.1]", q, h.Buckets, got)
		}
	})
}
