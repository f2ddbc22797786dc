package main

import (
	"math"
	"testing"
)

// TestWilsonAgainstNewcombe checks the interval against the Wilson score intervals
// (method 3, without continuity correction) of Table I in R. G. Newcombe, "Two-sided
// confidence intervals for the single proportion: comparison of seven methods",
// Statistics in Medicine 17 (1998) 857–872, given there to four decimals.
func TestWilsonAgainstNewcombe(t *testing.T) {
	for _, tc := range []struct {
		k, n   int
		lo, hi float64
	}{
		{81, 263, 0.2553, 0.3662},
		{15, 148, 0.0624, 0.1605},
		{0, 20, 0, 0.1611},
		{1, 29, 0.0061, 0.1718},
	} {
		r := wilson(tc.k, tc.n, 0.95)
		if math.Abs(r.lo-tc.lo) > 5e-5 || math.Abs(r.hi-tc.hi) > 5e-5 {
			t.Errorf("wilson(%d, %d) = %.4f–%.4f, want %.4f–%.4f", tc.k, tc.n, r.lo, r.hi, tc.lo, tc.hi)
		}
	}
}

// TestWilsonProperties: the interval holds the observed share, mirrors k ↔ n−k, and
// says nothing without runs.
func TestWilsonProperties(t *testing.T) {
	for n := 1; n <= 40; n++ {
		for k := 0; k <= n; k++ {
			r, m := wilson(k, n, 0.95), wilson(n-k, n, 0.95)
			if p := r.share(); p < r.lo || p > r.hi {
				t.Fatalf("wilson(%d, %d) = %v does not hold %v", k, n, r, p)
			}
			if math.Abs(r.lo-(1-m.hi)) > 1e-12 || math.Abs(r.hi-(1-m.lo)) > 1e-12 {
				t.Fatalf("wilson(%d, %d) = %v is not the mirror of wilson(%d, %d) = %v", k, n, r, n-k, n, m)
			}
		}
	}
	if r := wilson(0, 0, 0.95); r.lo != 0 || r.hi != 1 || r.String() != "no runs" {
		t.Errorf("wilson(0, 0) = %+v %q, want 0–1 and no runs", r, r.String())
	}
	if got, want := wilson(2, 9, 0.95).String(), "2/9 = 22 % (6.3 %–55 %)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
