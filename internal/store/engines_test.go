package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/internal/store/storetest"
)

// engineCase is one behaviour every engine must have. url is a migrated database with
// the fixture bank, shared by the cases of one engine (they use fresh ids).
type engineCase struct {
	name string
	run  func(t *testing.T, ctx context.Context, s store.Store, url string)
}

func TestEngines(t *testing.T) {
	url := storetest.MigratedDatabase(t)
	storetest.SeedFixtureBank(t, url)
	for _, e := range storetest.Engines() {
		t.Run(string(e.Mode), func(t *testing.T) {
			s, _ := storetest.OpenStore(t, e, url, storetest.Settings())
			if s.Mode() != e.Mode {
				t.Fatalf("Mode() = %q, want %q", s.Mode(), e.Mode)
			}
			for _, c := range engineCases() {
				t.Run(c.name, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
					defer cancel()
					c.run(t, ctx, s, url)
				})
			}
		})
	}
}

func engineCases() []engineCase {
	return []engineCase{
		{"skill aliases", func(t *testing.T, ctx context.Context, s store.Store, _ string) {
			aliases, err := s.SkillAliases(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, a := range aliases {
				if strings.HasPrefix(a.SkillID, "t-") {
					got[a.Alias] = a.SkillID
					if a.SkillName == "" {
						t.Errorf("alias %q has no skill name", a.Alias)
					}
				}
			}
			if want := storetest.FixtureAliases(); !mapsEqual(got, want) {
				t.Errorf("fixture aliases %v, want %v", got, want)
			}
		}},
		{"bank questions per skill and difficulty", func(t *testing.T, ctx context.Context, s store.Store, _ string) {
			skills := []string{storetest.SkillAlpha, storetest.SkillBeta, storetest.SkillGamma}
			qs, err := s.BankQuestions(ctx, store.BankQuery{SkillIDs: skills, PerSkill: 3, Seed: "jd-1"})
			if err != nil {
				t.Fatal(err)
			}
			per := map[string][]string{}
			for _, q := range qs {
				per[q.SkillID] = append(per[q.SkillID], q.Difficulty)
				if len(q.KeyPoints) != 3 || q.Text == "" || q.SkillName == "" || q.Kind == "" {
					t.Errorf("question %+v incomplete", q)
				}
			}
			if got := per[storetest.SkillAlpha]; !slices.Equal(got, []string{store.Easy, store.Medium, store.Hard}) {
				t.Errorf("mixed alpha questions by difficulty %v, want one of each, easy first", got)
			}
			if len(per[storetest.SkillBeta]) != 1 || len(per[storetest.SkillGamma]) != 0 {
				t.Errorf("questions per skill %v", per)
			}
			again, err := s.BankQuestions(ctx, store.BankQuery{SkillIDs: skills, PerSkill: 3, Seed: "jd-1"})
			if err != nil || !slices.EqualFunc(qs, again, func(a, b store.Question) bool { return a.ID == b.ID }) {
				t.Errorf("same seed picked different questions (err %v)", err)
			}
			medium, err := s.BankQuestions(ctx, store.BankQuery{SkillIDs: skills, Difficulty: store.Medium, PerSkill: 5, Seed: "x"})
			if err != nil {
				t.Fatal(err)
			}
			if len(medium) != 3 {
				t.Errorf("medium questions %d, want 3 (two alpha, one beta)", len(medium))
			}
			for _, q := range medium {
				if q.Difficulty != store.Medium {
					t.Errorf("medium query returned %s question %s", q.Difficulty, q.ID)
				}
			}
		}},
		{"session round trip with analyses", func(t *testing.T, ctx context.Context, s store.Store, _ string) {
			sn := newSession()
			if err := s.CreateSession(ctx, sn); err != nil {
				t.Fatal(err)
			}
			q, err := s.SessionQuestion(ctx, sn.ID, "gen-1")
			if err != nil {
				t.Fatal(err)
			}
			if q.Source != "builtin" || q.Position != 1 || !slices.Equal(q.KeyPoints, []string{"one", "two"}) {
				t.Errorf("session question %+v", q)
			}
			a := &store.AnswerAnalysis{ID: uuid.NewString(), SessionID: sn.ID, QuestionID: "t-q-beta-m1", Answer: "indexes",
				Score: 70, Coverage: 80, Depth: 60, Structure: 50, Examples: 40,
				CoveredPoints: []string{"a"}, MissedPoints: []string{"b", "c"}, Strengths: []string{"s"}}
			if err := s.CreateAnalysis(ctx, a); err != nil {
				t.Fatal(err)
			}
			if a.CreatedAt.IsZero() {
				t.Error("CreateAnalysis did not set CreatedAt")
			}
			d, err := s.Session(ctx, sn.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d.ID != sn.ID || d.Role != sn.Role || d.Sources != sn.Sources || !slices.Equal(d.Skills, sn.Skills) || d.CreatedAt.IsZero() {
				t.Errorf("session header %+v, want %+v", d.Session, sn)
			}
			if len(d.Questions) != 2 || d.Questions[0].ID != "t-q-beta-m1" || d.Questions[1].Text != "Tell us about a role." {
				t.Errorf("session questions %+v", d.Questions)
			}
			if len(d.Analyses) != 1 {
				t.Fatalf("analyses %+v, want one", d.Analyses)
			}
			got := d.Analyses[0]
			if got.ID != a.ID || got.Score != 70 || got.Examples != 40 || !slices.Equal(got.MissedPoints, []string{"b", "c"}) ||
				got.Improvements == nil || len(got.Improvements) != 0 {
				t.Errorf("analysis read back %+v, want %+v", got, a)
			}
		}},
		{"unknown session and question", func(t *testing.T, ctx context.Context, s store.Store, _ string) {
			sn := newSession()
			if err := s.CreateSession(ctx, sn); err != nil {
				t.Fatal(err)
			}
			missing := uuid.NewString()
			if _, err := s.Session(ctx, missing); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "session") {
				t.Errorf("Session(unknown) = %v, want a session ErrNotFound", err)
			}
			if _, err := s.SessionQuestion(ctx, missing, "gen-1"); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "session") {
				t.Errorf("SessionQuestion(unknown session) = %v", err)
			}
			if _, err := s.SessionQuestion(ctx, sn.ID, "nope"); !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "question") {
				t.Errorf("SessionQuestion(unknown question) = %v", err)
			}
			a := &store.AnswerAnalysis{ID: uuid.NewString(), SessionID: sn.ID, QuestionID: "nope", Answer: "x"}
			if err := s.CreateAnalysis(ctx, a); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("CreateAnalysis(unknown question) = %v, want ErrNotFound", err)
			}
		}},
		{"failed session write leaves nothing", func(t *testing.T, ctx context.Context, s store.Store, _ string) {
			sn := newSession()
			sn.Questions[1].Difficulty = "impossible" // violates the CHECK of the second insert
			if err := s.CreateSession(ctx, sn); err == nil {
				t.Fatal("CreateSession with a bad question succeeded")
			}
			if _, err := s.Session(ctx, sn.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("after a failed write Session = %v, want ErrNotFound: the header must roll back too", err)
			}
		}},
		{"counts", func(t *testing.T, ctx context.Context, s store.Store, _ string) {
			c, err := s.Counts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c.Skills < 3 || c.Aliases < 6 || c.Questions < 6 || c.SessionsApprox < 0 {
				t.Errorf("counts %+v, want at least the fixture bank", c)
			}
		}},
	}
}

func newSession() store.Session {
	return store.Session{
		ID: uuid.NewString(), Role: "Backend Engineer", Seniority: "senior", Difficulty: "mixed",
		JobDescription: "We need BetaDB.",
		Skills:         []store.SessionSkill{{ID: storetest.SkillBeta, Name: "BetaDB", Mentions: 1}},
		Sources:        store.Sources{QuestionBank: 1, Generated: 1, Generator: "builtin"},
		Questions: []store.SessionQuestion{
			{Position: 0, Source: store.SourceBank, Question: store.Question{ID: "t-q-beta-m1", SkillID: storetest.SkillBeta,
				SkillName: "BetaDB", Difficulty: store.Medium, Kind: "technical", Text: "How does BetaDB use indexes?", KeyPoints: []string{"x", "y"}}},
			{Position: 1, Source: "builtin", Question: store.Question{ID: "gen-1", Difficulty: store.Easy, Kind: "behavioral",
				Text: "Tell us about a role.", KeyPoints: []string{"one", "two"}}},
		},
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestEngineConnectionHolding checks the difference between the modes: the sync engine
// holds one connection for a whole request scope, the async engine only per statement.
func TestEngineConnectionHolding(t *testing.T) {
	eachEngine(t, storetest.MigratedDatabase(t), func(t *testing.T, ctx context.Context, e storetest.Engine, s store.Store, rec *poolstats.Recorder) {
		scoped, release, err := s.BeginRequest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := s.Counts(scoped); err != nil {
				t.Fatal(err)
			}
		}
		held := rec.Snapshot().Pool.CheckedOut
		acquires := rec.Snapshot().Pool.AcquiresTotal
		release()
		wantHeld, wantAcquires := 1, uint64(1)
		if e.Mode == store.ModeAsync {
			wantHeld, wantAcquires = 0, 3
		}
		if held != wantHeld || acquires != wantAcquires {
			t.Errorf("within a request: %d connections held after 3 statements, %d acquires; want %d and %d",
				held, acquires, wantHeld, wantAcquires)
		}
		if after := rec.Snapshot().Pool.CheckedOut; after != 0 {
			t.Errorf("%d connections still held after release", after)
		}
	})
}

// lockBank makes every read of skill_aliases wait, from a connection outside the engine,
// until the returned function is called.
func lockBank(t *testing.T, ctx context.Context, url string) (unlock func()) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE skill_aliases IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	unlock = func() {
		once.Do(func() {
			_ = tx.Rollback(context.Background())
			_ = conn.Close(context.Background())
		})
	}
	t.Cleanup(unlock)
	return unlock
}

func TestEnginePoolLimits(t *testing.T) {
	url := storetest.MigratedDatabase(t)
	for _, e := range storetest.Engines() {
		t.Run(string(e.Mode)+"/timeout", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, rec := storetest.OpenStore(t, e, url, store.PoolSettings{Size: 1, AcquireTimeout: 300 * time.Millisecond, Recycle: time.Hour})
			unlock := lockBank(t, ctx, url)
			blocked := make(chan error, 1)
			go func() { _, err := s.SkillAliases(ctx); blocked <- err }()
			waitFor(t, func() bool { return rec.Snapshot().Pool.CheckedOut == 1 })

			_, err := s.Counts(ctx)
			if !errors.Is(err, store.ErrPoolTimeout) {
				t.Errorf("with the only connection busy: %v, want ErrPoolTimeout", err)
			}
			p := rec.Snapshot().Pool
			if p.TimeoutsTotal != 1 || p.AcquireWaitP99Ms < 250 {
				t.Errorf("after a timeout: %d timeouts, wait p99 %.1fms", p.TimeoutsTotal, p.AcquireWaitP99Ms)
			}
			unlock()
			if err := <-blocked; err != nil {
				t.Errorf("the blocked read failed: %v", err)
			}
		})
		t.Run(string(e.Mode)+"/overflow closed when no longer needed", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, rec := storetest.OpenStore(t, e, url, store.PoolSettings{Size: 1, MaxOverflow: 2, AcquireTimeout: 5 * time.Second,
				Recycle: time.Hour, OverflowIdle: 200 * time.Millisecond})
			unlock := lockBank(t, ctx, url)
			errs := make(chan error, 3)
			for i := 0; i < 3; i++ {
				go func() { _, err := s.SkillAliases(ctx); errs <- err }()
			}
			waitFor(t, func() bool { return rec.Snapshot().Pool.CheckedOut == 3 })
			if p := rec.Snapshot().Pool; p.Overflow != 2 || p.Utilization != 1 {
				t.Errorf("three busy connections on size 1: overflow %d, utilization %v", p.Overflow, p.Utilization)
			}
			unlock()
			for i := 0; i < 3; i++ {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
			waitFor(t, func() bool {
				p := rec.Snapshot().Pool
				return p.CheckedOut == 0 && p.CheckedIn == 1 && p.Closed.Idle == 2
			})
		})
		t.Run(string(e.Mode)+"/recycle", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, rec := storetest.OpenStore(t, e, url, store.PoolSettings{Size: 1, AcquireTimeout: 5 * time.Second, Recycle: 100 * time.Millisecond})
			if _, err := s.Counts(ctx); err != nil {
				t.Fatal(err)
			}
			time.Sleep(250 * time.Millisecond) // past the lifetime and its 10 % jitter
			if _, err := s.Counts(ctx); err != nil {
				t.Fatal(err)
			}
			if closed := rec.Snapshot().Pool.Closed; closed.Lifetime < 1 {
				t.Errorf("closed %+v, want the expired connection recycled", closed)
			}
		})
		t.Run(string(e.Mode)+"/broken connection", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, rec := storetest.OpenStore(t, e, url, store.PoolSettings{Size: 1, AcquireTimeout: 5 * time.Second, Recycle: time.Hour})
			if _, err := s.Counts(ctx); err != nil {
				t.Fatal(err)
			}
			terminateBackends(t, ctx, url)
			// The dead connection is found either by the statement (ErrUnavailable) or by
			// the ping before reuse; either way the next call works on a new one.
			if _, err := s.Counts(ctx); err != nil && !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("statement on a terminated connection: %v, want ErrUnavailable", err)
			}
			if _, err := s.Counts(ctx); err != nil {
				t.Fatalf("after the broken connection was discarded: %v", err)
			}
			if closed := rec.Snapshot().Pool.Closed; closed.Broken != 1 {
				t.Errorf("closed %+v, want one broken", closed)
			}
		})
	}
}

func terminateBackends(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
}

func TestEnginesReportUnreachableDatabase(t *testing.T) {
	for _, e := range storetest.Engines() {
		t.Run(string(e.Mode), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, rec := storetest.OpenStore(t, e, "postgres://postgres@127.0.0.1:1/none?sslmode=disable", storetest.Settings())
			_, err := s.Counts(ctx)
			if !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("Counts against a closed port: %v, want ErrUnavailable", err)
			}
			snap := rec.Snapshot()
			if snap.Pool.ErrorsTotal != 1 || snap.Health.Status != poolstats.Critical {
				t.Errorf("after a failed connect: %d acquire errors, health %+v", snap.Pool.ErrorsTotal, snap.Health)
			}
		})
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestEngineRoundTrips checks how each engine talks to the server: the sync engine one
// statement at a time (and a transaction around the two inserts of a session), the async
// engine with independent statements pipelined in one batch.
func TestEngineRoundTrips(t *testing.T) {
	eachEngine(t, storetest.MigratedDatabase(t), func(t *testing.T, ctx context.Context, e storetest.Engine, s store.Store, rec *poolstats.Recorder) {
		trips := func() uint64 { return rec.Snapshot().Queries.RoundTripsTotal }

		sn := newSession()
		before := trips()
		if err := s.CreateSession(ctx, sn); err != nil {
			t.Fatal(err)
		}
		writeTrips := trips() - before
		before = trips()
		if _, err := s.Session(ctx, sn.ID); err != nil {
			t.Fatal(err)
		}
		readTrips := trips() - before

		wantWrite, wantRead := uint64(4), uint64(3) // BEGIN, INSERT, INSERT, COMMIT; three SELECTs
		if e.Mode == store.ModeAsync {
			wantWrite, wantRead = 1, 1
		}
		if writeTrips != wantWrite || readTrips != wantRead {
			t.Errorf("CreateSession took %d round trips, Session %d; want %d and %d", writeTrips, readTrips, wantWrite, wantRead)
		}
	})
}

// eachEngine runs body for both engines on the database at url, with the test pool
// settings and a context that ends after 20s.
func eachEngine(t *testing.T, url string, body func(t *testing.T, ctx context.Context, e storetest.Engine, s store.Store, rec *poolstats.Recorder)) {
	for _, e := range storetest.Engines() {
		t.Run(string(e.Mode), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, rec := storetest.OpenStore(t, e, url, storetest.Settings())
			body(t, ctx, e, s, rec)
		})
	}
}
