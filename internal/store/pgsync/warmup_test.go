package pgsync_test

import (
	"fmt"
	"testing"

	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/internal/store/pgsync"
	"github.com/interviewapi/operator/internal/store/storetest"
)

// BenchmarkWarmUp times the sync engine's warm-up of a pool of 100, from Open until
// its record says warm, opening 1 (the warm-up before it was concurrent), 2, 4 (the
// engine's bound), 8 and 16 connections at once. docs/benchmarks.md, "Pool warm-up",
// has the figures, beside the async engine's (pgasync BenchmarkWarmUp).
func BenchmarkWarmUp(b *testing.B) {
	for _, atOnce := range []int{1, 2, 4, 8, 16} {
		b.Run(fmt.Sprintf("size=100/at-once=%d", atOnce), func(b *testing.B) {
			storetest.BenchmarkWarmUp(b, 100, func(url string, s store.PoolSettings, rec *poolstats.Recorder) (store.Store, error) {
				return pgsync.OpenWarmingUpAtOnce(url, s, rec, atOnce)
			})
		})
	}
}
