package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/interviewapi/operator/internal/poolstats"
	"github.com/interviewapi/operator/internal/store/storetest"
)

const jobDescription = `Senior Backend Engineer (Payments)

We are looking for a senior engineer to build our payment APIs in Golang on k8s.
You know PostgreSQL well, have run Kafka in production, and care about observability.
Bonus: experience with Zig.`

// TestEndpoints runs every endpoint and status code in both modes against a real
// PostgreSQL with the seed question bank.
func TestEndpoints(t *testing.T) {
	url := storetest.MigratedDatabase(t)
	for _, e := range storetest.Engines() {
		t.Run(string(e.Mode), func(t *testing.T) {
			srv := newTestServer(t, e, url, serverOptions{})
			testParseJD(t, srv)
			testAnalyzeAndSession(t, srv, url)
			testOperationalEndpoints(t, srv, string(e.Mode))
			testRouting(t, srv)
			testLifecycle(t, srv)
		})
	}
}

func testParseJD(t *testing.T, srv *testServer) {
	t.Run("parse-jd creates a session", func(t *testing.T) {
		r := srv.post(t, "/api/v1/parse-jd", map[string]any{"job_description": jobDescription, "num_questions": 7, "difficulty": "mixed"})
		r.wantStatus(t, http.StatusCreated)
		id := r.str("session_id")
		if _, err := uuid.Parse(id); err != nil {
			t.Fatalf("session_id %q is not a UUID", id)
		}
		if loc := r.header.Get("Location"); loc != "/api/v1/sessions/"+id {
			t.Errorf("Location %q", loc)
		}
		if r.str("role") == "" || r.str("seniority") != "senior" {
			t.Errorf("role %q seniority %q", r.str("role"), r.str("seniority"))
		}
		var skills []string
		for _, s := range r.list("skills") {
			skills = append(skills, s.(map[string]any)["id"].(string))
		}
		for _, want := range []string{"go", "kubernetes", "postgresql", "kafka"} {
			if !slices.Contains(skills, want) {
				t.Errorf("skills %v lack %s (aliases golang/k8s must resolve)", skills, want)
			}
		}
		qs := r.list("questions")
		if len(qs) != 7 {
			t.Fatalf("%d questions, want 7", len(qs))
		}
		ids := map[string]bool{}
		for _, q := range qs {
			m := q.(map[string]any)
			if m["id"] == "" || m["text"] == "" || m["difficulty"] == "" || m["kind"] == "" || m["source"] == "" {
				t.Errorf("incomplete question %v", m)
			}
			if _, leaked := m["key_points"]; leaked {
				t.Error("questions must not reveal their key points")
			}
			ids[m["id"].(string)] = true
		}
		if len(ids) != 7 {
			t.Errorf("question ids not unique: %v", ids)
		}
		bank, generated := r.get("sources.question_bank"), r.get("sources.generated")
		if bank.(float64) < 1 || generated.(float64) < 1 || bank.(float64)+generated.(float64) != 7 || r.str("sources.generator") != "builtin" {
			t.Errorf("sources %v", r.get("sources"))
		}
	})
	t.Run("parse-jd defaults", func(t *testing.T) {
		r := srv.post(t, "/api/v1/parse-jd", map[string]any{"job_description": "Junior Python developer"})
		r.wantStatus(t, http.StatusCreated)
		if n := len(r.list("questions")); n != 10 || r.str("difficulty") != "mixed" {
			t.Errorf("%d questions of difficulty %q, want the defaults 10 and mixed", n, r.str("difficulty"))
		}
	})
	t.Run("parse-jd single difficulty", func(t *testing.T) {
		r := srv.post(t, "/api/v1/parse-jd", map[string]any{"job_description": jobDescription, "num_questions": 5, "difficulty": "hard"})
		r.wantStatus(t, http.StatusCreated)
		for _, q := range r.list("questions") {
			if d := q.(map[string]any)["difficulty"]; d != "hard" {
				t.Errorf("question of difficulty %v in a hard interview", d)
			}
		}
	})

	bad := []struct {
		name   string
		body   []byte
		status int
		code   string
	}{
		{"malformed JSON", []byte(`{"job_description": "x"`), 400, "malformed_json"},
		{"not an object", []byte(`["x"]`), 400, "malformed_json"},
		{"empty body", nil, 400, "malformed_json"},
		{"unknown field", []byte(`{"job_description": "x", "num_question": 3}`), 400, "unknown_field"},
		{"wrong type", []byte(`{"job_description": "x", "num_questions": "ten"}`), 400, "invalid_type"},
		{"trailing data", []byte(`{"job_description": "x"} {}`), 400, "malformed_json"},
		{"body over 1 MiB", []byte(`{"job_description": "` + strings.Repeat("a", 1<<20) + `"}`), 413, "body_too_large"},
		{"empty description", []byte(`{"job_description": "  "}`), 422, "invalid_input"},
		{"description over 50,000 characters", []byte(`{"job_description": "` + strings.Repeat("a", 50_001) + `"}`), 422, "invalid_input"},
		{"zero questions", []byte(`{"job_description": "x", "num_questions": 0}`), 422, "invalid_input"},
		{"too many questions", []byte(`{"job_description": "x", "num_questions": 51}`), 422, "invalid_input"},
		{"unknown difficulty", []byte(`{"job_description": "x", "difficulty": "brutal"}`), 422, "invalid_input"},
	}
	for _, b := range bad {
		t.Run("parse-jd "+b.name, func(t *testing.T) {
			srv.do(t, http.MethodPost, "/api/v1/parse-jd", b.body).wantError(t, b.status, b.code)
		})
	}
}

func testAnalyzeAndSession(t *testing.T, srv *testServer, url string) {
	created := srv.post(t, "/api/v1/parse-jd", map[string]any{"job_description": jobDescription, "num_questions": 3})
	created.wantStatus(t, http.StatusCreated)
	sessionID := created.str("session_id")
	questionID := created.list("questions")[0].(map[string]any)["id"].(string)

	t.Run("analyze-answer stores the analysis", func(t *testing.T) {
		r := srv.post(t, "/api/v1/analyze-answer", map[string]any{"session_id": sessionID, "question_id": questionID,
			"answer": "First, I would measure. For example, in our payments service p99 latency was 250 ms; we found a missing index and fixed it."})
		r.wantStatus(t, http.StatusCreated)
		score := r.get("score").(float64)
		if score < 0 || score > 100 || r.get("breakdown.coverage") == nil || r.list("improvements") == nil || r.list("covered_points") == nil {
			t.Errorf("analysis %s", r.raw)
		}
		if !analysisStored(t, url, r.str("analysis_id")) {
			t.Error("the 201 analysis has no row")
		}
		s := srv.do(t, http.MethodGet, "/api/v1/sessions/"+sessionID, nil)
		s.wantStatus(t, http.StatusOK)
		answers := s.list("answers")
		if len(answers) != 1 || answers[0].(map[string]any)["analysis_id"] != r.str("analysis_id") ||
			answers[0].(map[string]any)["answer"] == "" || len(s.list("questions")) != 3 {
			t.Errorf("session %s", s.raw)
		}
	})
	notFound := []struct{ name, session, question string }{
		{"unknown session", uuid.NewString(), questionID},
		{"malformed session id", "not-a-uuid", questionID},
		{"unknown question", sessionID, "q-does-not-exist"},
	}
	for _, nf := range notFound {
		t.Run("analyze-answer "+nf.name, func(t *testing.T) {
			srv.post(t, "/api/v1/analyze-answer", map[string]any{"session_id": nf.session, "question_id": nf.question, "answer": "x"}).
				wantError(t, http.StatusNotFound, "not_found")
		})
	}
	t.Run("analyze-answer empty answer", func(t *testing.T) {
		srv.post(t, "/api/v1/analyze-answer", map[string]any{"session_id": sessionID, "question_id": questionID, "answer": ""}).
			wantError(t, http.StatusUnprocessableEntity, "invalid_input")
	})
	t.Run("analyze-answer malformed", func(t *testing.T) {
		srv.do(t, http.MethodPost, "/api/v1/analyze-answer", []byte(`{"session_id":`)).wantError(t, http.StatusBadRequest, "malformed_json")
	})
	t.Run("session unknown", func(t *testing.T) {
		srv.do(t, http.MethodGet, "/api/v1/sessions/"+uuid.NewString(), nil).wantError(t, http.StatusNotFound, "not_found")
		srv.do(t, http.MethodGet, "/api/v1/sessions/42", nil).wantError(t, http.StatusNotFound, "not_found")
	})
}

func analysisStored(t *testing.T, url, id string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM answer_analyses WHERE id = $1", id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// poolDegraded says whether the pool figures a response reports are, by the server's
// own thresholds, a degraded pool. The tests' traffic is light, but on a busy machine
// one acquire of the last minute can wait for a new connection longer than the
// threshold (723 ms in one run beside other test packages); the health the endpoints
// report must then say degraded, and healthy otherwise.
func poolDegraded(t *testing.T, pool map[string]any) bool {
	t.Helper()
	th := poolstats.DefaultHealthThresholds()
	p99, ok1 := pool["acquire_wait_p99_ms"].(float64)
	util, ok2 := pool["utilization"].(float64)
	if !ok1 || !ok2 {
		t.Fatalf("pool figures missing: %v", pool)
	}
	return p99 >= float64(th.DegradedWaitP99.Microseconds())/1000 || util >= th.DegradedUtilization
}

// wantHealth is the status word the endpoints must give a pool: healthy unless its
// figures are degraded.
func wantHealth(t *testing.T, pool map[string]any, healthy, degraded string) string {
	t.Helper()
	if poolDegraded(t, pool) {
		return degraded
	}
	return healthy
}

func testOperationalEndpoints(t *testing.T, srv *testServer, mode string) {
	t.Run("services", func(t *testing.T) {
		r := srv.do(t, http.MethodGet, "/api/v1/services", nil)
		r.wantStatus(t, http.StatusOK)
		var names []string
		overall := "ok"
		for _, s := range r.list("services") {
			m := s.(map[string]any)
			names = append(names, m["name"].(string))
			want := "up"
			if m["name"] == "database" {
				detail, _ := m["detail"].(map[string]any)
				pool, _ := detail["connection_pool_status"].(map[string]any)
				if want = wantHealth(t, pool, "up", "degraded"); want == "degraded" {
					overall = "degraded"
				}
			}
			if m["status"] != want {
				t.Errorf("service %v, want status %s", m, want)
			}
		}
		if r.str("status") != overall || r.str("mode") != mode ||
			!slices.Equal(names, []string{"question_bank", "generator", "session_store", "database"}) {
			t.Errorf("services %s", r.raw)
		}
	})
	t.Run("health is seed-compatible", func(t *testing.T) {
		r := srv.do(t, http.MethodGet, "/health", nil)
		r.wantStatus(t, http.StatusOK)
		pool, _ := r.get("async_database.pool").(map[string]any)
		if r.str("async_database.status") != wantHealth(t, pool, "healthy", "degraded") || r.str("async_database.mode") != mode ||
			r.get("async_database.enabled") != (mode == "async") || r.str("status") != "healthy" {
			t.Errorf("health %s", r.raw)
		}
		// The test server serves once warm (newTestServer).
		if r.str("async_database.pool_warm_up.state") != "warm" || r.get("async_database.pool_warm_up.opened") != float64(storetest.Settings().Size) {
			t.Errorf("health's pool_warm_up %s", r.raw)
		}
	})
	t.Run("livez and readyz", func(t *testing.T) {
		srv.do(t, http.MethodGet, "/livez", nil).wantStatus(t, http.StatusOK)
		srv.do(t, http.MethodGet, "/readyz", nil).wantStatus(t, http.StatusOK)
	})
	t.Run("monitoring/database", func(t *testing.T) {
		r := srv.do(t, http.MethodGet, "/monitoring/database", nil)
		r.wantStatus(t, http.StatusOK)
		for _, field := range []string{"pool_size", "max_overflow", "max", "checked_out", "checked_in", "overflow", "pending",
			"utilization", "acquire_wait_p50_ms", "acquire_wait_p99_ms", "timeouts_total"} {
			if r.get("connection_pool_status."+field) == nil {
				t.Errorf("connection_pool_status.%s missing: %s", field, r.raw)
			}
		}
		pool, _ := r.get("connection_pool_status").(map[string]any)
		if r.str("mode") != mode || r.str("health.status") != wantHealth(t, pool, "healthy", "degraded") || r.list("health.reasons") == nil || r.get("queries.round_trips_total").(float64) < 1 {
			t.Errorf("monitoring %s", r.raw)
		}
	})
	t.Run("metrics", func(t *testing.T) {
		r := srv.do(t, http.MethodGet, "/metrics", nil)
		r.wantStatus(t, http.StatusOK)
		text := string(r.raw)
		for _, want := range []string{
			fmt.Sprintf(`interviewapi_db_mode{mode=%q} 1`, mode),
			"interviewapi_db_pool_max_connections ",
			`interviewapi_db_pool_connections{state="acquired"}`,
			`interviewapi_db_pool_connections{state="idle"}`,
			`interviewapi_db_pool_connections{state="constructing"}`,
			"interviewapi_db_pool_pending_acquires ",
			"interviewapi_db_pool_acquire_duration_seconds_bucket",
			`interviewapi_db_pool_acquires_total{result="success"}`,
			`interviewapi_db_pool_acquires_total{result="timeout"}`,
			`interviewapi_db_pool_connections_closed_total{reason="lifetime"}`,
			"interviewapi_db_pool_acquired_connections_seconds_total ",
			`interviewapi_http_requests_total{code="201",method="POST",route="/api/v1/parse-jd"}`,
			`interviewapi_http_requests_total{code="404",method="GET",route="/api/v1/sessions/:id"}`,
			`interviewapi_http_request_duration_seconds_bucket{method="POST",route="/api/v1/analyze-answer"`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}

func testRouting(t *testing.T, srv *testServer) {
	t.Run("unknown route", func(t *testing.T) {
		srv.do(t, http.MethodGet, "/api/v1/nope", nil).wantError(t, http.StatusNotFound, "route_not_found")
	})
	t.Run("wrong method", func(t *testing.T) {
		srv.do(t, http.MethodGet, "/api/v1/parse-jd", nil).wantError(t, http.StatusMethodNotAllowed, "method_not_allowed")
	})
}

func testLifecycle(t *testing.T, srv *testServer) {
	t.Run("schema pending", func(t *testing.T) {
		srv.lifecycle.schemaErr.Store(&errSchemaPending)
		defer srv.lifecycle.schemaErr.Store(nil)
		r := srv.do(t, http.MethodGet, "/api/v1/services", nil)
		r.wantError(t, http.StatusServiceUnavailable, "schema_not_ready")
		if r.header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
		wantNotReady(t, srv.do(t, http.MethodGet, "/readyz", nil), errSchemaPending.Error())
		srv.do(t, http.MethodGet, "/livez", nil).wantStatus(t, http.StatusOK)
	})
	t.Run("draining", func(t *testing.T) {
		srv.lifecycle.draining.Store(true)
		defer srv.lifecycle.draining.Store(false)
		wantNotReady(t, srv.do(t, http.MethodGet, "/readyz", nil), "shutting down")
	})
	// Every response written while draining tells a keep-alive client to reconnect;
	// none does otherwise.
	for _, draining := range []bool{false, true} {
		t.Run(fmt.Sprintf("Connection header, draining=%v", draining), func(t *testing.T) {
			srv.lifecycle.draining.Store(draining)
			defer srv.lifecycle.draining.Store(false)
			want := ""
			if draining {
				want = "close"
			}
			for _, req := range []struct {
				method, path string
				body         []byte
			}{
				{http.MethodGet, "/livez", nil},
				{http.MethodGet, "/readyz", nil},
				{http.MethodGet, "/metrics", nil},
				{http.MethodPost, "/api/v1/parse-jd", []byte(`{"job_description":"` + jobDescription + `"}`)},
				{http.MethodGet, "/api/v1/nope", nil},
				{http.MethodGet, "/api/v1/parse-jd", nil},
			} {
				if got := srv.do(t, req.method, req.path, req.body).header.Get("Connection"); got != want {
					t.Errorf("%s %s: Connection %q, want %q", req.method, req.path, got, want)
				}
			}
		})
	}
}

func TestMonitoringDisabled(t *testing.T) {
	url := storetest.MigratedDatabase(t)
	srv := newTestServer(t, storetest.Engines()[0], url, serverOptions{monitoringDisabled: true})
	srv.do(t, http.MethodGet, "/monitoring/database", nil).wantError(t, http.StatusNotFound, "monitoring_disabled")
	r := srv.do(t, http.MethodGet, "/metrics", nil)
	r.wantStatus(t, http.StatusOK)
	if bytes.Contains(r.raw, []byte("interviewapi_db_pool_")) {
		t.Error("pool metrics exported with monitoring disabled")
	}
}

// TestDatabaseDown checks the answers of a server whose database cannot be reached.
func TestDatabaseDown(t *testing.T) {
	const closedPort = "postgres://postgres@127.0.0.1:1/none?sslmode=disable"
	for _, e := range storetest.Engines() {
		t.Run(string(e.Mode), func(t *testing.T) {
			srv := newTestServer(t, e, closedPort, serverOptions{})
			r := srv.post(t, "/api/v1/parse-jd", map[string]any{"job_description": jobDescription})
			r.wantError(t, http.StatusServiceUnavailable, "database_unavailable")
			if r.header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
			srv.post(t, "/api/v1/analyze-answer", map[string]any{"session_id": uuid.NewString(), "question_id": "q", "answer": "a"}).
				wantError(t, http.StatusServiceUnavailable, "database_unavailable")
			// Request errors are still the client's, whatever the database does.
			srv.do(t, http.MethodPost, "/api/v1/parse-jd", []byte(`{`)).wantError(t, http.StatusBadRequest, "malformed_json")

			h := srv.do(t, http.MethodGet, "/health", nil)
			if h.status != http.StatusServiceUnavailable || h.str("async_database.status") != "unavailable" || h.get("async_database.reachable") != false ||
				h.str("async_database.pool_warm_up.state") != "gave_up" {
				t.Errorf("health with the database down: %d %s", h.status, h.raw)
			}
			srv.do(t, http.MethodGet, "/readyz", nil).wantStatus(t, http.StatusServiceUnavailable)
			srv.do(t, http.MethodGet, "/livez", nil).wantStatus(t, http.StatusOK)
			m := srv.do(t, http.MethodGet, "/monitoring/database", nil)
			if m.str("health.status") != "critical" {
				t.Errorf("monitoring with the database down: %s", m.raw)
			}
			s := srv.do(t, http.MethodGet, "/api/v1/services", nil)
			if s.status != http.StatusOK || s.str("status") != "degraded" {
				t.Errorf("services with the database down: %d %s", s.status, s.raw)
			}
		})
	}
}

// wantNotReady checks a /readyz refusal: the one error shape, with Retry-After.
func wantNotReady(t *testing.T, r response, reason string) {
	t.Helper()
	r.wantError(t, http.StatusServiceUnavailable, "not_ready")
	if got := r.str("error.message"); got != reason {
		t.Errorf("/readyz message %q, want %q", got, reason)
	}
	if r.header.Get("Retry-After") == "" {
		t.Error("/readyz 503 without Retry-After")
	}
}
