package framework

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	iapiv1alpha1 "github.com/interviewapi/operator/api/v1alpha1"
)

// TestRecorderCountsEveryAnswer sends requests through the recorder's transport to a
// real HTTP server and checks what it counts: 2xx, error statuses with their bodies,
// acknowledged writes, and a request that never got an answer.
func TestRecorderCountsEveryAnswer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/analyze-answer":
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"analysis_id":"0b7c6b52-7d2a-4a51-9d49-000000000001","score":70}`)
		case "/api/v1/services":
			w.WriteHeader(http.StatusOK)
		default:
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error":{"code":"pool_timeout","message":"no connection within 50ms"}}`)
		}
	}))
	defer srv.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + closed.Addr().String()
	closed.Close()

	rec := newRecorder()
	client := &http.Client{Transport: rec.transport(5 * time.Second)}
	start := time.Now()
	for _, req := range []struct{ method, url string }{
		{http.MethodPost, srv.URL + "/api/v1/analyze-answer"},
		{http.MethodGet, srv.URL + "/api/v1/services"},
		{http.MethodPost, srv.URL + "/api/v1/parse-jd"},
		{http.MethodGet, refused + "/api/v1/services"},
	} {
		r, err := http.NewRequest(req.method, req.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(r)
		if err != nil {
			continue
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			t.Errorf("%s %s: read the answer: %v", req.method, req.url, err)
		}
		resp.Body.Close()
	}

	got := rec.counts()
	if got.Requests != 4 || got.OK != 2 || got.Failed != 2 || got.ByStatus[503] != 1 || got.ByTransport["connection refused"] != 1 {
		t.Errorf("counts = %+v, want 4 requests: 2 OK, one 503, one refused", got)
	}
	if s := got.String(); !strings.Contains(s, "HTTP 503: 1") || !strings.Contains(s, "connection refused: 1") {
		t.Errorf("String() = %q, want the failures broken down", s)
	}
	if w := rec.writes(); len(w) != 1 || w[0] != "0b7c6b52-7d2a-4a51-9d49-000000000001" {
		t.Errorf("writes = %v, want the acknowledged analysis", w)
	}
	failures := rec.failuresSince(start)
	if len(failures) != 2 || failures[0].Status != 503 || !strings.Contains(failures[0].Detail, "pool_timeout") || failures[1].Status != 0 {
		t.Errorf("failures = %+v, want the 503 with its body, then the refused request", failures)
	}
	if n := len(rec.failuresSince(time.Now().Add(time.Hour))); n != 0 {
		t.Errorf("%d failures in the future", n)
	}
}

func TestRecorderIgnoresCancelledRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if _, err := (&http.Client{Transport: rec.transport(5 * time.Second)}).Do(r); err == nil {
		t.Fatal("a cancelled request succeeded")
	}
	if got := rec.counts(); got.Requests != 0 {
		t.Errorf("a request cut short by stopping the load was counted: %+v", got)
	}
}

func TestCountsSub(t *testing.T) {
	earlier := Counts{Requests: 10, OK: 9, Failed: 1, ByStatus: map[int]int64{200: 9, 503: 1}, ByTransport: map[string]int64{}}
	later := Counts{Requests: 25, OK: 22, Failed: 3, ByStatus: map[int]int64{200: 22, 503: 2}, ByTransport: map[string]int64{"timeout": 1}}
	d := later.Sub(earlier)
	if d.Requests != 15 || d.OK != 13 || d.Failed != 2 || d.ByStatus[503] != 1 || d.ByStatus[200] != 13 || d.ByTransport["timeout"] != 1 {
		t.Errorf("Sub = %+v", d)
	}
	if got, want := d.String(), "15 requests, 2 failed (HTTP 503: 1, timeout: 1)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestCountsAdd(t *testing.T) {
	a := Counts{Requests: 10, OK: 9, Failed: 1, ByStatus: map[int]int64{200: 9, 503: 1}}
	b := Counts{Requests: 5, OK: 3, Failed: 2, ByStatus: map[int]int64{200: 3, 500: 1}, ByTransport: map[string]int64{"timeout": 1}}
	sum := a.Add(b)
	if sum.Requests != 15 || sum.OK != 12 || sum.Failed != 3 || sum.ByStatus[200] != 12 || sum.ByStatus[503] != 1 ||
		sum.ByStatus[500] != 1 || sum.ByTransport["timeout"] != 1 {
		t.Errorf("Add = %+v", sum)
	}
	if a.ByStatus[200] != 9 || len(a.ByStatus) != 2 {
		t.Errorf("Add changed its receiver: %+v", a)
	}
	if got := sum.Sub(b); got.Requests != a.Requests || got.ByStatus[503] != 1 || got.ByStatus[200] != 9 {
		t.Errorf("(a+b)−b = %+v, want a", got)
	}
}

func TestCommandLineQuotesForAShell(t *testing.T) {
	got := CommandLine("kubectl", "patch", "interviewapi", "interview", "--type", "merge", "-p", `{"spec":{"paused":true}}`, "it's")
	want := `kubectl patch interviewapi interview --type merge -p '{"spec":{"paused":true}}' 'it'\''s'`
	if got != want {
		t.Errorf("CommandLine = %s, want %s", got, want)
	}
}

func TestConfiguredRolloutTime(t *testing.T) {
	tests := []struct {
		name    string
		rollout iapiv1alpha1.RolloutSpec
		want    time.Duration
	}{
		{"quick rollout: 10s + 10s + one 5s interval for the last step", QuickRollout(), 25 * time.Second},
		{"pauses shorter than the interval count as one interval", iapiv1alpha1.RolloutSpec{
			Steps:    []iapiv1alpha1.RolloutStep{{Weight: 50, Pause: &metav1.Duration{Duration: time.Second}}, {Weight: 100}},
			Analysis: iapiv1alpha1.AnalysisSpec{Interval: &metav1.Duration{Duration: 10 * time.Second}},
		}, 20 * time.Second},
		{"no interval means the API's default of 30s", iapiv1alpha1.RolloutSpec{Steps: []iapiv1alpha1.RolloutStep{{Weight: 100}}}, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := NewInstance(InstanceOptions{Namespace: "ns", Name: "x", Rollout: tt.rollout})
			if got := ConfiguredRolloutTime(in); got != tt.want {
				t.Errorf("ConfiguredRolloutTime = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPodsAllOn(t *testing.T) {
	tests := []struct {
		name string
		pods Pods
		want bool
	}{
		{"all ready on the mode", Pods{Serving: 4, Ready: 4, Modes: map[string]int{"sync": 4}}, true},
		{"one still terminating", Pods{Serving: 4, Ready: 4, Terminating: 1, Modes: map[string]int{"sync": 4}}, false},
		{"one on the other mode", Pods{Serving: 4, Ready: 4, Modes: map[string]int{"sync": 3, "async": 1}}, false},
		{"one not ready", Pods{Serving: 4, Ready: 3, Modes: map[string]int{"sync": 3}}, false},
		{"one too many", Pods{Serving: 5, Ready: 5, Modes: map[string]int{"sync": 5}}, false},
	}
	for _, tt := range tests {
		if got := tt.pods.AllOn(4, "sync"); got != tt.want {
			t.Errorf("%s: AllOn = %t, want %t", tt.name, got, tt.want)
		}
	}
}
