package pgasync_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/internal/store/pgasync"
	"github.com/interviewapi/operator/test/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestOpenKeepsSizeConnectionsOpen: the pool opens its Size connections by itself,
// before any request, and none of them counts as an acquire.
func TestOpenKeepsSizeConnectionsOpen(t *testing.T) {
	url := pgtest.NewDatabase(t)
	settings := store.PoolSettings{Size: 3, MaxOverflow: 2, AcquireTimeout: 5 * time.Second, Recycle: time.Hour}
	rec := poolstats.New(poolstats.Settings{Mode: "async", PoolSize: settings.Size, MaxOverflow: settings.MaxOverflow,
		AcquireTimeout: settings.AcquireTimeout})
	s, err := pgasync.Open(url, settings, rec)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var open int
	for {
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&open); err != nil {
			t.Fatal(err)
		}
		if open == int(settings.Size) {
			break
		}
		if open > int(settings.Size) {
			t.Fatalf("%d connections open with no request, want the pool's size %d", open, settings.Size)
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
}
