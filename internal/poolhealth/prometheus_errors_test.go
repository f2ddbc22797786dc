package poolhealth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/interviewapi/operator/test/hang"
)

// secret stands for whatever a hostile or misconfigured server puts in its answers:
// the text of an internal page, a token, metadata.
const secret = "SECRET-ANSWER-TEXT"

func TestPrometheusErrorsNeverCarryTheAnswer(t *testing.T) {
	now := t0.Add(5 * time.Minute)
	cases := []struct {
		name   string
		status int
		ctype  string
		body   string
		// want is part of the error that is kept.
		want string
	}{
		{"a plain-text error page", 500, "text/plain", secret, "server_error (server error: 500)"},
		{"an HTML page", 200, "text/html", "<html>" + secret + "</html>", "bad_response (an answer that is not the Prometheus API's)"},
		{"a 404", 404, "text/plain", secret, "client_error (client error: 404)"},
		{"an API error with a message", 400, "application/json", `{"status":"error","errorType":"bad_data","error":"` + secret + `"}`, "an error of type bad_data"},
		{"an API error of an invented type", 422, "application/json", `{"status":"error","errorType":"` + secret + `","error":"` + secret + `"}`, "an error of an unknown type"},
		{"an error disguised as success", 200, "application/json", `{"status":"error","errorType":"server_error","error":"` + secret + `"}`, "server_error (an answer that is not the Prometheus API's)"},
		{"JSON that does not decode", 200, "application/json", `{"status":"success","data":"` + secret, "bad_response"},
		{"a redirect elsewhere", 302, "text/plain", secret, "bad_response (bad response code 302)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			t.Cleanup(srv.Close)
			src, err := NewPrometheusSource(srv.URL, WithPrometheusClock(func() time.Time { return now }))
			if err != nil {
				t.Fatal(err)
			}
			r, _ := MeasureAndJudge(context.Background(), src, promQuery(t0), criteria, now)
			if r == nil || r.Verdict != "Inconclusive" {
				t.Fatalf("Analyze = %+v, want Inconclusive", r)
			}
			if strings.Contains(r.Message, secret) {
				t.Errorf("the analysis message copies the answer: %q", r.Message)
			}
			if !strings.Contains(r.Message, tc.want) {
				t.Errorf("message %q, want it to say %q", r.Message, tc.want)
			}
		})
	}
}

func TestPrometheusQueriesHaveADeadline(t *testing.T) {
	now := t0.Add(5 * time.Minute)

	t.Run("a Prometheus that accepts and never answers", func(t *testing.T) {
		srv := hang.Listen(t)
		src, err := NewPrometheusSource("http://"+srv.Addr(), WithPrometheusClock(func() time.Time { return now }))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		done := make(chan error, 1)
		go func() {
			_, err := src.Measure(ctx, promQuery(t0))
			done <- err
		}()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "no answer from Prometheus before the analysis deadline") {
				t.Errorf("err = %v, want the deadline named", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Measure did not return after its context's deadline")
		}
		if srv.Accepted() == 0 {
			t.Error("the hung server saw no connection: the test did not test a hung query")
		}
	})

	t.Run("Prometheus is told the deadline", func(t *testing.T) {
		var timeouts []string
		prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			timeouts = append(timeouts, r.Form.Get("timeout"))
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
		}))
		t.Cleanup(prom.Close)
		src, err := NewPrometheusSource(prom.URL, WithPrometheusClock(func() time.Time { return now }))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := src.Measure(ctx, promQuery(t0)); err != nil {
			t.Fatal(err)
		}
		if len(timeouts) == 0 {
			t.Fatal("no query was sent")
		}
		for _, v := range timeouts {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 || d > 30*time.Second {
				t.Errorf("timeout parameter %q, want the remaining deadline (at most 30s)", v)
			}
		}
	})
}
