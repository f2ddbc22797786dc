package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/interviewapi/operator/internal/store/migrations"
)

// MigrationConnections is how many connections a migration run opens: the session that
// holds the advisory lock and the one the migrations run on. The server runs it at
// start, beside its pool; the connection budget counts them
// (v1alpha1.ServerConnectionsOutsidePool).
const MigrationConnections = 2

// migrateConnectTimeout bounds each connection attempt of a migration run, so that a
// database that is down fails the run quickly and the caller can retry.
const migrateConnectTimeout = 5 * time.Second

// Migrate applies every pending migration embedded in the binary and returns the names
// of those it applied. Concurrent runs (replicas starting together) serialise on a
// PostgreSQL advisory lock, so each migration is applied once.
func Migrate(ctx context.Context, databaseURL string, log *slog.Logger) ([]string, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	cfg.ConnectTimeout = migrateConnectTimeout
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	db.SetMaxOpenConns(MigrationConnections)

	applied, err := migrate(ctx, db, log)
	if err != nil {
		return applied, Classify(err, false)
	}
	return applied, nil
}

func migrate(ctx context.Context, db *sql.DB, log *slog.Logger) ([]string, error) {
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS(),
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
		goose.WithSlog(log),
	)
	if err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	var applied []string
	for _, r := range results {
		if r.Error == nil {
			applied = append(applied, r.Source.Path)
		}
	}
	if err != nil {
		return applied, fmt.Errorf("apply migrations: %w", err)
	}
	return applied, nil
}
