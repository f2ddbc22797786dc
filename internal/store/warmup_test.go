package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/internal/store/storetest"
	"github.com/interviewapi/operator/test/pgtest"
)

// TestEnginesOpenSizeConnectionsAtStart: both engines open their Size connections by
// themselves, before any request, and none of them counts as an acquire. A new pod
// that opened them on its first requests would show the set-up as pool contention to
// the rollout analysis (found by the end-to-end rollout test).
func TestEnginesOpenSizeConnectionsAtStart(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e.Mode), func(t *testing.T) {
			url := pgtest.NewDatabase(t)
			settings := store.PoolSettings{Size: 3, MaxOverflow: 2, AcquireTimeout: 5 * time.Second, Recycle: time.Hour}
			_, rec := storetest.OpenStore(t, e, url, settings)

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			for {
				var open int
				if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
					WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&open); err != nil {
					t.Fatal(err)
				}
				if open > settings.Size {
					t.Fatalf("%d connections open with no request, want the pool's size %d", open, settings.Size)
				}
				if open == settings.Size {
					break
				}
				select {
				case <-ctx.Done():
					t.Fatalf("%d connections open 10s after Open, want the pool's size %d", open, settings.Size)
				case <-time.After(20 * time.Millisecond):
				}
			}
			if n := rec.Snapshot().Pool.AcquiresTotal; n != 0 {
				t.Errorf("opening the pool counted %d acquires, want none", n)
			}
		})
	}
}
