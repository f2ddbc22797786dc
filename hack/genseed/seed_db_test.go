package main

import (
	"context"
	"database/sql"
	"io/fs"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for goose
	"github.com/pressly/goose/v3"

	"github.com/interviewapi/operator/internal/store/migrations"
	"github.com/interviewapi/operator/test/pgtest"
)

// questionBankMigrations is the file system goose reads: the migrations embedded in
// the server binary. The test applies them up to version 2, so it checks the question
// bank alone, whatever later migrations add.
func questionBankMigrations(t *testing.T) fs.FS {
	t.Helper()
	dir := migrations.FS()
	for _, name := range []string{"00001_question_bank.sql", "00002_seed_question_bank.sql"} {
		if _, err := fs.Stat(dir, name); err != nil {
			t.Fatalf("migration %s is not embedded in internal/store/migrations: %v", name, err)
		}
	}
	return dir
}

func TestSeedAppliesToPostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, db, questionBankMigrations(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, 2); err != nil {
		t.Fatalf("apply 00001 and 00002: %v", err)
	}

	var skills, questions int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM skills), (SELECT count(*) FROM questions)`).Scan(&skills, &questions); err != nil {
		t.Fatal(err)
	}
	if skills < 40 || questions < 300 {
		t.Fatalf("%d skills and %d questions in the database, want at least 40 and 300", skills, questions)
	}
	t.Logf("seeded %d skills and %d questions", skills, questions)

	rows, err := db.QueryContext(ctx, `
		SELECT s.id, count(q.id) FROM skills s LEFT JOIN questions q ON q.skill_id = s.id
		GROUP BY s.id HAVING count(q.id) < 3`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		t.Errorf("skill %s has %d questions, want at least 3", id, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}

	var badKeyPoints int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM questions WHERE cardinality(key_points) NOT BETWEEN 3 AND 6`).Scan(&badKeyPoints); err != nil {
		t.Fatal(err)
	}
	if badKeyPoints != 0 {
		t.Errorf("%d questions have fewer than 3 or more than 6 key points", badKeyPoints)
	}

	for alias, want := range map[string]string{"golang": "go", "k8s": "kubernetes", "go": "go", "kubernetes": "kubernetes", "c++": "cpp", "postgres": "postgresql"} {
		var got string
		if err := db.QueryRowContext(ctx, `SELECT skill_id FROM skill_aliases WHERE alias = $1`, alias).Scan(&got); err != nil {
			t.Errorf("alias %q: %v", alias, err)
			continue
		}
		if got != want {
			t.Errorf("alias %q names %q, want %q", alias, got, want)
		}
	}

	var missingNameAliases int
	if err := db.QueryRowContext(ctx, `
		SELECT count(*) FROM skills s
		WHERE NOT EXISTS (SELECT 1 FROM skill_aliases a WHERE a.alias = lower(s.name) AND a.skill_id = s.id)
		   OR NOT EXISTS (SELECT 1 FROM skill_aliases a WHERE a.alias = s.id AND a.skill_id = s.id)`).Scan(&missingNameAliases); err != nil {
		t.Fatal(err)
	}
	if missingNameAliases != 0 {
		t.Errorf("%d skills lack their id or lower-cased name as an alias", missingNameAliases)
	}

	// The down migration removes the seed and leaves the schema usable.
	if _, err := provider.DownTo(ctx, 1); err != nil {
		t.Fatalf("roll back 00002: %v", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM skills) + (SELECT count(*) FROM skill_aliases) + (SELECT count(*) FROM questions)`).Scan(&skills); err != nil {
		t.Fatal(err)
	}
	if skills != 0 {
		t.Errorf("%d rows left after rolling back the seed, want 0", skills)
	}
}
