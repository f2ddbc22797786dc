package store_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/internal/store/migrations"
	"github.com/interviewapi/operator/test/pgtest"
)

func TestMigrateAppliesEveryMigrationOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := pgtest.NewDatabase(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	applied, err := store.Migrate(ctx, url, log)
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := fs.Glob(migrations.FS(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(applied, embedded) || !slices.Contains(applied, "00003_sessions.sql") {
		t.Fatalf("applied %q, want every embedded migration %q", applied, embedded)
	}
	again, err := store.Migrate(ctx, url, log)
	if err != nil || len(again) != 0 {
		t.Fatalf("second run applied %q (err %v), want nothing", again, err)
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, table := range []string{"skills", "skill_aliases", "questions", "interview_sessions", "session_questions", "answer_analyses"} {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil || !exists {
			t.Errorf("table %s missing after migration (err %v)", table, err)
		}
	}
}

func TestMigrateReportsUnreachableDatabase(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Port 1 on loopback: nothing listens there, so the connection is refused at once.
	_, err := store.Migrate(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Migrate against a closed port: %v, want ErrUnavailable", err)
	}
}
