package storetest

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/store"
)

// BenchmarkWarmUp times an engine's warm-up: each iteration opens the engine (open) on a
// fresh database with a pool of size and no overflow, and stops the clock when its
// warm-up record finishes; it fails unless the record says warm. Between iterations
// the engine is closed and the benchmark waits until PostgreSQL has ended its
// backends, so that no iteration pays for the last one's teardown. Besides the time it
// reports this process's CPU time (user + system) per warm-up.
func BenchmarkWarmUp(b *testing.B, size int,
	open func(databaseURL string, settings store.PoolSettings, rec *poolstats.Recorder) (store.Store, error)) {
	url := MigratedDatabase(b)
	settings := store.PoolSettings{Size: size, AcquireTimeout: 10 * time.Second, Recycle: time.Hour}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		before := cpuTime(b)
		s, err := open(url, settings, poolstats.New(poolstats.Settings{PoolSize: size, AcquireTimeout: settings.AcquireTimeout}))
		if err != nil {
			b.Fatal(err)
		}
		select {
		case <-s.WarmedUp():
		case <-time.After(time.Minute):
			b.Fatalf("not warm a minute after Open: %s", s.WarmUp())
		}
		cpu += cpuTime(b) - before
		b.StopTimer()
		if w := s.WarmUp(); w.State != store.WarmUpDone {
			b.Fatalf("warm-up ended %s", w)
		}
		s.Close()
		waitBackendsGone(b, admin)
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// waitBackendsGone waits until admin's is the only connection to its database.
func waitBackendsGone(b *testing.B, admin *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		n, err := OtherBackends(ctx, admin)
		if err != nil {
			b.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// OtherBackends counts the connections to conn's database other than conn itself, as
// pg_stat_activity has them.
func OtherBackends(ctx context.Context, conn *pgx.Conn) (int, error) {
	var n int
	err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
	return n, err
}

// Backends counts the connections to databaseURL's database, but the one counting.
func Backends(t testing.TB, databaseURL string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	n, err := OtherBackends(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
