package service

import (
	"context"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/interviewapi/operator/internal/generator"
	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/internal/store/storetest"
)

// TestReferenceDataFollowsTheSchemaVersion pins the cache of the taxonomy and the
// question bank on real PostgreSQL, in both engines: parse-jd uses the taxonomy (and,
// in async mode, the bank) of the schema version it loaded; a migration applied meanwhile (a question and an alias
// added, goose's version moved, in one transaction as goose does) is served from the
// next check on, ReferenceCheckInterval after the last one, and not before.
func TestReferenceDataFollowsTheSchemaVersion(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e.Mode), func(t *testing.T) {
			url := storetest.MigratedDatabase(t)
			storetest.SeedFixtureBank(t, url)
			st, rec := storetest.OpenStore(t, e, url, storetest.Settings())
			clock := clocktesting.NewFakeClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
			svc := New(Deps{Store: st, Generator: generator.Fallback{Secondary: generator.Builtin{}},
				Pool: rec, Log: slog.New(slog.DiscardHandler), Clock: clock.Now})
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			in := ParseJDInput{JobDescription: "We are hiring an Alphalang developer: Alphalang, alphalang, gammatron.",
				NumQuestions: 10, Difficulty: store.Easy}
			bankIDs := func() []string {
				t.Helper()
				sess, err := svc.ParseJD(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, q := range sess.Questions {
					if q.Source == store.SourceBank {
						ids = append(ids, q.ID)
					}
				}
				slices.Sort(ids)
				return ids
			}
			before := []string{"t-q-alpha-e1", "t-q-alpha-e2"}
			if got := bankIDs(); !slices.Equal(got, before) {
				t.Fatalf("bank questions %v, want %v", got, before)
			}

			migrate(t, ctx, url)
			clock.Step(ReferenceCheckInterval - time.Second)
			// Within the interval the taxonomy is the loaded version's (no Gamma Ops
			// yet); the async engine's bank too, the sync engine reads the bank per
			// request (parsejd.go) and sees the new Alphalang question.
			within := before
			if e.Mode == store.ModeSync {
				within = []string{"t-q-alpha-e1", "t-q-alpha-e2", "t-q-alpha-e3"}
			}
			if got := bankIDs(); !slices.Equal(got, within) {
				t.Fatalf("within the check interval the bank questions are %v, want %v", got, within)
			}
			clock.Step(time.Second)
			after := []string{"t-q-alpha-e1", "t-q-alpha-e2", "t-q-alpha-e3", "t-q-gamma-e1"}
			if got := bankIDs(); !slices.Equal(got, after) {
				t.Fatalf("after the check interval the bank questions are %v, want the new version's %v", got, after)
			}
			if v := svc.ref.current.Load().version; v < 4 {
				t.Errorf("reference data of schema version %d, want the new one", v)
			}
		})
	}
}

// migrate adds an easy Alphalang question, an alias of Gamma Ops and an easy question
// for it, and moves goose's version: what a later migration of the bank would do.
func migrate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		for _, stmt := range []string{
			`INSERT INTO questions (id, skill_id, difficulty, kind, text, key_points) VALUES
			 ('t-q-alpha-e3', 't-alpha', 'easy', 'technical', 'What is a channel in Alphalang?', '{buffered,unbuffered}'),
			 ('t-q-gamma-e1', 't-gamma', 'easy', 'technical', 'What does Gamma Ops monitor?', '{metrics,alerts}')`,
			`INSERT INTO skill_aliases (alias, skill_id) VALUES ('gammatron', 't-gamma')`,
			`INSERT INTO goose_db_version (version_id, is_applied) SELECT max(version_id) + 1, true FROM goose_db_version`,
		} {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("apply the test migration: %v", err)
	}
}
