package generator

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/interviewapi/operator/internal/jd"
)

// chatServer is an httptest server speaking the chat-completions API: it records the
// request it got and answers with respond.
func chatServer(t *testing.T, respond func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *chatRequest) {
	t.Helper()
	var got chatRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &got)
		respond(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

// completion wraps content as the assistant message of a chat completion.
func completion(content string) string {
	b, _ := json.Marshal(map[string]any{
		"id":      "chatcmpl-1",
		"object":  "chat.completion",
		"choices": []any{map[string]any{"index": 0, "message": map[string]string{"role": "assistant", "content": content}, "finish_reason": "stop"}},
	})
	return string(b)
}

const goodContent = `{"questions":[
 {"text":"How does the Go scheduler multiplex goroutines onto threads?","skill":"go","difficulty":"hard","kind":"technical","key_points":["M:N scheduling of G, M and P","work stealing between Ps","blocking syscalls hand off the P"]},
 {"text":"Design a rollout for a Kubernetes operator upgrade.","skill":"Kubernetes","difficulty":"medium","kind":"system_design","key_points":["canary","rollback","metrics"]},
 {"text":"Tell us about leading a migration.","skill":"","difficulty":"impossible","kind":"story","key_points":["scope","risks","outcome"]},
 {"text":"","skill":"go","difficulty":"easy","kind":"technical","key_points":["dropped: no text","x"]},
 {"text":"Dropped: one key point","skill":"go","difficulty":"easy","kind":"technical","key_points":["only one"]}
]}`

func TestOpenAIGenerate(t *testing.T) {
	req := Request{Role: "Platform Engineer", Seniority: jd.Senior, Difficulty: Medium, Skills: []jd.SkillRef{{ID: "go", Name: "Go"}, {ID: "kubernetes", Name: "Kubernetes"}}, Count: 3}
	tests := []struct {
		name    string
		status  int
		body    string
		want    []Question
		wantErr string
	}{
		{
			name:   "good answer",
			status: http.StatusOK,
			body:   completion(goodContent),
			want: []Question{
				{Text: "How does the Go scheduler multiplex goroutines onto threads?", SkillID: "go", Difficulty: Hard, Kind: Technical, KeyPoints: []string{"M:N scheduling of G, M and P", "work stealing between Ps", "blocking syscalls hand off the P"}},
				{Text: "Design a rollout for a Kubernetes operator upgrade.", SkillID: "kubernetes", Difficulty: Medium, Kind: SystemDesign, KeyPoints: []string{"canary", "rollback", "metrics"}},
				{Text: "Tell us about leading a migration.", SkillID: "", Difficulty: Medium, Kind: Technical, KeyPoints: []string{"scope", "risks", "outcome"}},
			},
		},
		{
			name:   "fenced bare array",
			status: http.StatusOK,
			body:   completion("```json\n[{\"text\":\"What is a pod?\",\"skill\":\"kubernetes\",\"difficulty\":\"easy\",\"kind\":\"technical\",\"key_points\":[\"containers\",\"shared network\"]}]\n```"),
			want:   []Question{{Text: "What is a pod?", SkillID: "kubernetes", Difficulty: Easy, Kind: Technical, KeyPoints: []string{"containers", "shared network"}}},
		},
		{name: "server error", status: http.StatusInternalServerError, body: `{"error":{"message":"overloaded"}}`, wantErr: "HTTP 500"},
		{name: "unauthorised", status: http.StatusUnauthorized, body: `{"error":"bad key"}`, wantErr: "HTTP 401"},
		{name: "garbage body", status: http.StatusOK, body: "<html>not json</html>", wantErr: "not a chat completion"},
		{name: "no choices", status: http.StatusOK, body: `{"choices":[]}`, wantErr: "no choices"},
		{name: "garbage content", status: http.StatusOK, body: completion("Sure! Here are some questions: 1. What is Go?"), wantErr: "not the requested JSON"},
		{name: "no usable question", status: http.StatusOK, body: completion(`{"questions":[{"text":"x","key_points":[]}]}`), wantErr: "no usable question"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, got := chatServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test" {
					http.Error(w, "unexpected request "+r.Method+" "+r.URL.Path, http.StatusBadRequest)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			g := NewOpenAI(srv.URL+"/v1/chat/completions", "test-model", "sk-test", srv.Client())
			qs, err := g.Generate(context.Background(), req)
			if got.Model != "test-model" || len(got.Messages) != 2 || !strings.Contains(got.Messages[1].Content, "kubernetes: Kubernetes") {
				t.Errorf("request sent = %+v; want the model and a prompt naming the skills", got)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(qs) != len(tt.want) {
				t.Fatalf("got %d questions %+v, want %d", len(qs), qs, len(tt.want))
			}
			for i := range qs {
				if qs[i].Text != tt.want[i].Text || qs[i].SkillID != tt.want[i].SkillID || qs[i].Difficulty != tt.want[i].Difficulty ||
					qs[i].Kind != tt.want[i].Kind || strings.Join(qs[i].KeyPoints, "|") != strings.Join(tt.want[i].KeyPoints, "|") {
					t.Errorf("question %d = %+v, want %+v", i, qs[i], tt.want[i])
				}
			}
		})
	}
}

func TestOpenAIProviderErrorIsInspectable(t *testing.T) {
	srv, _ := chatServer(t, func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "rate limited", http.StatusTooManyRequests)
	})
	_, err := NewOpenAI(srv.URL, "m", "", nil).Generate(context.Background(), Request{})
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.StatusCode != http.StatusTooManyRequests || !strings.Contains(pe.Body, "rate limited") {
		t.Fatalf("err = %v, want a *ProviderError with status 429 and the body", err)
	}
}

func TestOpenAISlowProviderHonoursContext(t *testing.T) {
	release := make(chan struct{})
	srv, _ := chatServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := NewOpenAI(srv.URL, "m", "", srv.Client()).Generate(ctx, Request{Skills: []jd.SkillRef{{ID: "go", Name: "Go"}}})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

func TestOpenAIUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	_, err := NewOpenAI(url, "m", "", nil).Generate(context.Background(), Request{})
	if err == nil || !strings.Contains(err.Error(), url) {
		t.Fatalf("err = %v, want a call error naming %s", err, url)
	}
}
