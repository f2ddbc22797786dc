package pgasync_test

import (
	"testing"

	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/internal/store/pgasync"
	"github.com/interviewapi/operator/internal/store/storetest"
)

// BenchmarkWarmUp times the async engine's warm-up of a pool of 100 (pgxpool opens its
// MinConns all at once), from Open until its record says warm; docs/benchmarks.md,
// "Pool warm-up".
func BenchmarkWarmUp(b *testing.B) {
	b.Run("size=100", func(b *testing.B) {
		storetest.BenchmarkWarmUp(b, 100, func(url string, s store.PoolSettings, rec *poolstats.Recorder) (store.Store, error) {
			return pgasync.Open(url, s, rec)
		})
	})
}
