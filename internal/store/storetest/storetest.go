// Package storetest gives tests of the server a migrated PostgreSQL database, both
// engines behind one table, and a small question bank whose content the tests know
// exactly (its ids cannot clash with the seed data of migration 00002).
package storetest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/internal/store/pgasync"
	"github.com/interviewapi/operator/internal/store/pgsync"
	"github.com/interviewapi/operator/test/pgtest"
)

// Engine opens one of the two engines.
type Engine struct {
	Mode store.Mode
	Open func(databaseURL string, settings store.PoolSettings, rec *poolstats.Recorder) (store.Store, error)
}

// Engines lists both engines; tests range over it so that every case runs in both modes.
func Engines() []Engine {
	return []Engine{
		{Mode: store.ModeSync, Open: func(u string, s store.PoolSettings, r *poolstats.Recorder) (store.Store, error) {
			return pgsync.Open(u, s, r)
		}},
		{Mode: store.ModeAsync, Open: func(u string, s store.PoolSettings, r *poolstats.Recorder) (store.Store, error) {
			return pgasync.Open(u, s, r)
		}},
	}
}

// Settings are small pool settings for tests.
func Settings() store.PoolSettings {
	return store.PoolSettings{Size: 2, MaxOverflow: 2, AcquireTimeout: 5 * time.Second, Recycle: time.Hour}
}

// OpenStore opens engine e on databaseURL with a fresh Recorder and closes it when the
// test ends.
func OpenStore(t testing.TB, e Engine, databaseURL string, settings store.PoolSettings) (store.Store, *poolstats.Recorder) {
	t.Helper()
	rec := poolstats.New(poolstats.Settings{Mode: string(e.Mode), PoolSize: settings.Size,
		MaxOverflow: settings.MaxOverflow, AcquireTimeout: settings.AcquireTimeout})
	s, err := e.Open(databaseURL, settings, rec)
	if err != nil {
		t.Fatalf("open %s engine: %v", e.Mode, err)
	}
	t.Cleanup(s.Close)
	return s, rec
}

// MigratedDatabase returns the URL of a fresh database with every migration applied.
func MigratedDatabase(t testing.TB) string {
	t.Helper()
	url := pgtest.NewDatabase(t)
	Migrate(t, url)
	return url
}

// Migrate applies the migrations to databaseURL.
func Migrate(t testing.TB, databaseURL string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := store.Migrate(ctx, databaseURL, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatalf("migrate: %v", err)
	}
}

// The fixture bank: three skills, one without questions.
const (
	SkillAlpha = "t-alpha" // five questions: 2 easy, 2 medium, 1 hard
	SkillBeta  = "t-beta"  // one medium question
	SkillGamma = "t-gamma" // no questions
)

// FixtureAliases maps each fixture alias to its skill.
func FixtureAliases() map[string]string {
	return map[string]string{
		"t-alpha": SkillAlpha, "alphalang": SkillAlpha, "alpha++": SkillAlpha,
		"t-beta": SkillBeta, "betadb": SkillBeta,
		"t-gamma": SkillGamma,
	}
}

// SeedFixtureBank inserts the fixture bank into databaseURL.
func SeedFixtureBank(t testing.TB, databaseURL string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatalf("connect to seed the fixture bank: %v", err)
	}
	defer conn.Close(ctx)
	var b pgx.Batch
	for _, s := range [][3]string{
		{SkillAlpha, "Alphalang", "language"},
		{SkillBeta, "BetaDB", "database"},
		{SkillGamma, "Gamma Ops", "operations"},
	} {
		b.Queue(`INSERT INTO skills (id, name, category) VALUES ($1, $2, $3)`, s[0], s[1], s[2])
	}
	for alias, skill := range FixtureAliases() {
		b.Queue(`INSERT INTO skill_aliases (alias, skill_id) VALUES ($1, $2)`, alias, skill)
	}
	for _, q := range []struct{ id, skill, difficulty, kind, text string }{
		{"t-q-alpha-e1", SkillAlpha, store.Easy, "technical", "What is a goroutine in Alphalang?"},
		{"t-q-alpha-e2", SkillAlpha, store.Easy, "coding", "Reverse a slice in Alphalang."},
		{"t-q-alpha-m1", SkillAlpha, store.Medium, "technical", "How does Alphalang schedule work?"},
		{"t-q-alpha-m2", SkillAlpha, store.Medium, "system_design", "Design a rate limiter in Alphalang."},
		{"t-q-alpha-h1", SkillAlpha, store.Hard, "technical", "Explain the Alphalang memory model."},
		{"t-q-beta-m1", SkillBeta, store.Medium, "technical", "How does BetaDB use indexes?"},
	} {
		b.Queue(`INSERT INTO questions (id, skill_id, difficulty, kind, text, key_points) VALUES ($1, $2, $3, $4, $5, $6)`,
			q.id, q.skill, q.difficulty, q.kind, q.text, []string{q.id + " point one", q.id + " point two", q.id + " point three"})
	}
	if err := conn.SendBatch(ctx, &b).Close(); err != nil {
		t.Fatalf("seed the fixture bank: %v", err)
	}
}
