package store_test

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/internal/store/migrations"
	"github.com/interviewapi/operator/internal/store/storetest"
)

// TestBankPickIsTheQuery pins the in-memory pick (store.Bank.Pick, which parse-jd
// uses) to its definition, SQLBankQuestions run by PostgreSQL: on the seed bank of the
// migrations plus the fixture bank, for 400 random queries (skill sets with unknown
// and repeated ids, every difficulty, seeds, 0 to 12 questions per skill) and the
// benchmark corpus's case, both engines' BankQuestions return what Pick returns, in
// the same order.
func TestBankPickIsTheQuery(t *testing.T) {
	url := storetest.MigratedDatabase(t)
	storetest.SeedFixtureBank(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, e := range storetest.Engines() {
		t.Run(string(e.Mode), func(t *testing.T) {
			s, _ := storetest.OpenStore(t, e, url, storetest.Settings())
			bank, err := s.Bank(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if bank.Len() < 300 {
				t.Fatalf("Bank holds %d questions, want the seed's 300 and the fixture's 6", bank.Len())
			}
			skills := skillIDs(t, ctx, url)
			rng := rand.New(rand.NewPCG(7, 11))
			queries := []store.BankQuery{
				{SkillIDs: []string{"go", "kubernetes", "postgresql"}, PerSkill: 10, Seed: "0123456789abcdef"},
				{SkillIDs: []string{storetest.SkillAlpha, storetest.SkillGamma, "no-such-skill"}, PerSkill: 3, Seed: "x"},
				{SkillIDs: []string{storetest.SkillAlpha}, PerSkill: 0, Seed: "x"},
			}
			for range 400 {
				q := store.BankQuery{PerSkill: rng.IntN(13), Seed: fmt.Sprintf("%016x", rng.Uint64()),
					Difficulty: []string{"", "", store.Easy, store.Medium, store.Hard}[rng.IntN(5)]}
				for range 1 + rng.IntN(8) {
					q.SkillIDs = append(q.SkillIDs, skills[rng.IntN(len(skills))])
				}
				if rng.IntN(4) == 0 {
					q.SkillIDs = append(q.SkillIDs, q.SkillIDs[0], "no-such-skill")
				}
				queries = append(queries, q)
			}
			for _, q := range queries {
				want, err := s.BankQuestions(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if got := bank.Pick(q); !reflect.DeepEqual(got, want) {
					t.Fatalf("Pick(%+v):\n got  %v\n want %v (SQLBankQuestions)", q, ids(got), ids(want))
				}
			}
		})
	}
}

// TestSchemaVersionIsTheLastMigration: the version the reference data is keyed by is
// that of the newest embedded migration once migrated, and moves with goose's table.
func TestSchemaVersionIsTheLastMigration(t *testing.T) {
	url := storetest.MigratedDatabase(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	newest := newestMigration(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, e := range storetest.Engines() {
		s, _ := storetest.OpenStore(t, e, url, storetest.Settings())
		if v, err := s.SchemaVersion(ctx); err != nil || v != newest {
			t.Fatalf("%s: SchemaVersion = %d, %v; want %d, the newest embedded migration", e.Mode, v, err, newest)
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO goose_db_version (version_id, is_applied) VALUES ($1, true)`, newest+1); err != nil {
		t.Fatal(err)
	}
	for _, e := range storetest.Engines() {
		s, _ := storetest.OpenStore(t, e, url, storetest.Settings())
		if v, err := s.SchemaVersion(ctx); err != nil || v != newest+1 {
			t.Fatalf("%s: after a new migration row SchemaVersion = %d, %v; want %d", e.Mode, v, err, newest+1)
		}
	}
}

func newestMigration(t *testing.T) int64 {
	t.Helper()
	entries, err := fs.ReadDir(migrations.FS(), ".")
	if err != nil {
		t.Fatal(err)
	}
	var newest int64
	for _, e := range entries {
		var v int64
		if _, err := fmt.Sscanf(e.Name(), "%05d_", &v); err == nil {
			newest = max(newest, v)
		}
	}
	if newest == 0 {
		t.Fatal("no migration found in migrations.FS")
	}
	return newest
}

func skillIDs(t *testing.T, ctx context.Context, url string) []string {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, _ := conn.Query(ctx, `SELECT id FROM skills`)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(out) < 10 {
		t.Fatalf("skills: %v (%v)", out, err)
	}
	slices.Sort(out)
	return out
}

func ids(qs []store.Question) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.ID
	}
	return out
}
