package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/test/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestSessionReadScriptRunsOnTheSchema checks the pgbench reference against the real
// schema: pgbench stops a client at the first SQL error and exits non-zero, so a
// statement that drifted from the migrations fails here rather than in a benchmark.
func TestSessionReadScriptRunsOnTheSchema(t *testing.T) {
	pgBin := envOr("PG_BIN", "/usr/lib/postgresql/15/bin")
	if _, err := os.Stat(pgBin + "/pgbench"); err != nil {
		t.Fatalf("pgbench not found in %s (install Debian's postgresql package or set PG_BIN): %v", pgBin, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	url := pgtest.NewDatabase(t)
	if _, err := store.Migrate(ctx, url, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("migrating: %v", err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connecting: %v", err)
	}
	defer conn.Close(context.Background())
	var ids []string
	for range 2 {
		var id string
		err := conn.QueryRow(ctx, `
WITH s AS (
	INSERT INTO interview_sessions (id, role, seniority, difficulty, job_description, skills, sources)
	VALUES (gen_random_uuid(), 'Backend Engineer', 'senior', 'mixed', 'Go and PostgreSQL', '[]', '{}')
	RETURNING id
), q AS (
	INSERT INTO session_questions (session_id, position, question_id, skill_id, skill_name, difficulty, kind, text, key_points, source)
	SELECT id, 0, 'q-go-001', 'go', 'Go', 'easy', 'technical', 'What is a goroutine?', '{a,b}', 'bank' FROM s
	RETURNING session_id, question_id
), a AS (
	INSERT INTO answer_analyses (id, session_id, question_id, answer, score, coverage, depth, structure, examples,
		covered_points, missed_points, strengths, improvements)
	SELECT gen_random_uuid(), session_id, question_id, 'A light thread.', 50, 50, 50, 50, 50, '{a}', '{b}', '{}', '{}' FROM q
)
SELECT id::text FROM s`).Scan(&id)
		if err != nil {
			t.Fatalf("inserting a session: %v", err)
		}
		ids = append(ids, id)
	}

	res, err := runPgbench(ctx, pgBin, url, t.TempDir(), sessionReadScript, ids, 2, time.Second, func(string) {})
	if err != nil {
		t.Fatalf("runPgbench: %v", err)
	}
	if res.Clients != 2 || res.Transactions == 0 || res.Failed != 0 || res.TPS <= 0 {
		t.Errorf("pgbench result %+v: want 2 clients, transactions, no failures", res)
	}

	drifted := pgbenchScript{Statements: []string{"SELECT no_such_column FROM interview_sessions WHERE id = $1::uuid"}}
	if _, err := runPgbench(ctx, pgBin, url, t.TempDir(), drifted, ids, 2, time.Second, func(string) {}); err == nil {
		t.Error("a statement that does not match the schema ran without error")
	}
}
