package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"

	"github.com/interviewapi/operator/internal/store/storetest"
)

// leak stands for what must not reach API clients from the external generator: a key
// in its URL, the text of its error pages.
const leak = "SECRET-PROVIDER-TEXT"

// provider is an external generator endpoint that is down (503 with a body) or up
// (405 to the probe's GET), counting the probes.
type provider struct {
	srv    *httptest.Server
	up     atomic.Bool
	probes atomic.Int32
}

func newProvider(t *testing.T) *provider {
	p := &provider{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			p.probes.Add(1)
		}
		if !p.up.Load() {
			http.Error(w, "upstream failure "+leak, http.StatusServiceUnavailable)
			return
		}
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func TestExternalGenerator(t *testing.T) {
	url := storetest.MigratedDatabase(t)
	p := newProvider(t)
	clk := clocktesting.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	endpoint := p.srv.URL + "/v1/chat/completions?key=" + leak
	srv := newTestServer(t, storetest.Engines()[0], url, serverOptions{externalURL: endpoint, clock: clk.Now})

	t.Run("a failed external generator is named, not quoted, in sources.fallback", func(t *testing.T) {
		r := srv.do(t, http.MethodPost, "/api/v1/parse-jd", []byte(`{"job_description":"Backend engineer: Go, PostgreSQL, Kubernetes","num_questions":3}`))
		r.wantStatus(t, http.StatusCreated)
		fallback := r.str("sources.fallback")
		if !strings.Contains(fallback, "answered HTTP 503") || !strings.Contains(fallback, "answered instead") {
			t.Errorf("sources.fallback %q, want the failure's kind and who answered", fallback)
		}
		for _, part := range []string{leak, p.srv.URL, "127.0.0.1"} {
			if strings.Contains(string(r.raw), part) {
				t.Errorf("the response carries %q: %s", part, r.raw)
			}
		}
	})

	t.Run("/api/v1/services asks the external generator, and caches the answer briefly", func(t *testing.T) {
		generatorOf := func(r response) map[string]any {
			for _, s := range r.list("services") {
				if m := s.(map[string]any); m["name"] == "generator" {
					return m
				}
			}
			t.Fatalf("no generator in %s", r.raw)
			return nil
		}
		before := p.probes.Load()
		r := srv.do(t, http.MethodGet, "/api/v1/services", nil)
		gen := generatorOf(r)
		detail := gen["detail"].(map[string]any)
		if gen["status"] != "degraded" || detail["external_status"] != "down" ||
			!strings.Contains(detail["external_error"].(string), "answered HTTP 503") {
			t.Errorf("generator with its provider down: %v", gen)
		}
		if strings.Contains(string(r.raw), leak) || strings.Contains(string(r.raw), p.srv.URL) {
			t.Errorf("the report carries the provider's URL or answer: %s", r.raw)
		}
		if got := p.probes.Load() - before; got != 1 {
			t.Errorf("%d probes for one report, want 1", got)
		}

		// Back up: within the cache's lifetime the report still says down, after it up.
		p.up.Store(true)
		srv.do(t, http.MethodGet, "/api/v1/services", nil)
		if got := p.probes.Load() - before; got != 1 {
			t.Errorf("%d probes for two reports a moment apart, want 1 (cached)", got)
		}
		clk.Step(11 * time.Second)
		gen = generatorOf(srv.do(t, http.MethodGet, "/api/v1/services", nil))
		if gen["status"] != "up" || gen["detail"].(map[string]any)["external_status"] != "up" {
			t.Errorf("generator with its provider back: %v", gen)
		}
		if got := p.probes.Load() - before; got != 2 {
			t.Errorf("%d probes after the cache expired, want 2", got)
		}
	})
}
