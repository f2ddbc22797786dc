package store_test

import (
	"testing"

	"github.com/interviewapi/operator/internal/store"
)

func TestOverflowTrimmer(t *testing.T) {
	type sample struct{ idle, open, wantClose int }
	tests := []struct {
		name    string
		samples []sample
	}{
		{"no decision before a full window", []sample{{10, 20, 0}, {10, 20, 0}, {10, 20, 0}, {10, 20, 0}}},
		{"idle all window: close the surplus beyond size", []sample{{6, 12, 0}, {7, 12, 0}, {5, 12, 0}, {9, 12, 0}, {8, 12, 2}}},
		{"never below size", []sample{{10, 10, 0}, {10, 10, 0}, {10, 10, 0}, {10, 10, 0}, {10, 10, 0}}},
		{"needed once in the window: keep", []sample{{6, 12, 0}, {6, 12, 0}, {0, 12, 0}, {6, 12, 0}, {6, 12, 0}}},
		{"windows overlap by one sample", []sample{
			{4, 14, 0}, {4, 14, 0}, {4, 14, 0}, {4, 14, 0}, {4, 14, 4},
			{0, 10, 0}, {0, 10, 0}, {0, 10, 0}, {0, 10, 0}, // the 4 left at the window's end count in the next one
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := store.NewOverflowTrimmer(10)
			for i, s := range tt.samples {
				if got := tr.Observe(s.idle, s.open); got != s.wantClose {
					t.Fatalf("sample %d (%d idle of %d open): close %d, want %d", i, s.idle, s.open, got, s.wantClose)
				}
			}
		})
	}
}
