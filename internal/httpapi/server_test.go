package httpapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/interviewapi/operator/internal/generator"
	"github.com/interviewapi/operator/internal/httpapi"
	"github.com/interviewapi/operator/internal/service"
	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/internal/store/storetest"
)

// lifecycle is a settable httpapi.Lifecycle. Its pool warm-up is the set one, else the
// store's.
type lifecycle struct {
	schemaErr atomic.Pointer[error]
	draining  atomic.Bool
	warmUp    atomic.Pointer[store.WarmUpProgress]
	store     store.Store
}

func (l *lifecycle) PoolWarmUp() store.WarmUpProgress {
	if p := l.warmUp.Load(); p != nil {
		return *p
	}
	return l.store.WarmUp()
}

func (l *lifecycle) SchemaReady() error {
	if p := l.schemaErr.Load(); p != nil {
		return *p
	}
	return nil
}

func (l *lifecycle) Draining() bool { return l.draining.Load() }

// testServer is the router over a real engine and a real PostgreSQL.
type testServer struct {
	handler   http.Handler
	lifecycle *lifecycle
	registry  *prometheus.Registry
}

type serverOptions struct {
	monitoringDisabled bool
	// externalURL is an external generator's chat-completions endpoint ("": none).
	externalURL string
	// clock is the service's clock (nil: time.Now).
	clock func() time.Time
}

func newTestServer(t *testing.T, e storetest.Engine, databaseURL string, opts serverOptions) *testServer {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	settings := storetest.Settings()
	st, rec := storetest.OpenStore(t, e, databaseURL, settings)
	prober, err := store.NewProber(databaseURL, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prober.Close)
	reg := prometheus.NewRegistry()
	if !opts.monitoringDisabled {
		if err := rec.Register(reg); err != nil {
			t.Fatal(err)
		}
	}
	deps := service.Deps{
		Store: st, Generator: generator.Fallback{Secondary: generator.Builtin{}},
		GeneratorInfo: service.GeneratorInfo{Builtin: generator.Builtin{}.Name()},
		Prober:        prober, Pool: rec, Log: log, Clock: opts.clock,
	}
	if opts.externalURL != "" {
		external := generator.NewOpenAI(opts.externalURL, "test-model", "test-key", &http.Client{Timeout: 5 * time.Second})
		deps.Generator = generator.Fallback{Primary: external, Secondary: generator.Builtin{}}
		deps.GeneratorInfo.External = external.Name()
		deps.GeneratorProbe = external
	}
	svc := service.New(deps)
	// The server is tested as a pod is served: once its pool's warm-up is over.
	select {
	case <-st.WarmedUp():
	case <-time.After(30 * time.Second):
		t.Fatalf("pool warm-up not over 30s after the engine opened: %s", st.WarmUp())
	}
	lc := &lifecycle{store: st}
	h, err := httpapi.NewRouter(httpapi.Deps{
		Service: svc, Prober: prober, Pool: rec, Registry: reg, Lifecycle: lc,
		MonitoringEnabled: !opts.monitoringDisabled, Version: "test", Log: log,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{handler: h, lifecycle: lc, registry: reg}
}

// response is a recorded response with its decoded JSON body.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (s *testServer) do(t *testing.T, method, path string, body []byte) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, req)
	r := response{status: w.Code, header: w.Header(), raw: w.Body.Bytes()}
	if strings.HasPrefix(w.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(r.raw, &r.body); err != nil {
			t.Fatalf("%s %s: response is not JSON: %v: %s", method, path, err, r.raw)
		}
	}
	return r
}

func (s *testServer) post(t *testing.T, path string, v any) response {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return s.do(t, http.MethodPost, path, b)
}

// str reads a string at a dotted path of a decoded JSON body.
func (r response) get(path string) any {
	var cur any = r.body
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

func (r response) str(path string) string {
	s, _ := r.get(path).(string)
	return s
}

func (r response) list(path string) []any {
	l, _ := r.get(path).([]any)
	return l
}

// wantError checks an error response: status, error code, and the JSON shape.
func (r response) wantError(t *testing.T, status int, code string) {
	t.Helper()
	if r.status != status || r.str("error.code") != code || r.str("error.message") == "" {
		t.Errorf("got %d %s, want %d with error code %q", r.status, r.raw, status, code)
	}
}

func (r response) wantStatus(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("got %d %s, want %d", r.status, r.raw, status)
	}
}

var errSchemaPending = errors.New("database migrations not applied yet")

// TestNewRouterNeedsALifecycle: every response asks the lifecycle whether the server
// drains, so a router without one is refused when it is built, not at its first request.
func TestNewRouterNeedsALifecycle(t *testing.T) {
	_, err := httpapi.NewRouter(httpapi.Deps{Registry: prometheus.NewRegistry(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "Lifecycle is nil") {
		t.Fatalf("NewRouter without a Lifecycle: err %v, want one naming Deps.Lifecycle", err)
	}
}
