package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// fakeGenerator stands for the external model in the generator-latency sweep: an
// OpenAI-compatible chat-completions endpoint on loopback that answers every completion
// after a set delay with fakeGeneratorQuestions role questions. The server reaches it
// through AI_PROVIDER_URL exactly as it would reach a real provider, so the sweep pays
// the HTTP call too. A GET (the server's probe) is answered 405, as a real endpoint does.
type fakeGenerator struct {
	url   string
	delay atomic.Int64 // time.Duration
	calls atomic.Int64
	srv   *http.Server
}

// fakeGeneratorQuestions is how many questions each answer holds; the server keeps the
// ones it asked for (at most num_questions, 10 in the benchmark).
const fakeGeneratorQuestions = 10

// fakeCompletion is the one answer, encoded once: every completion is the same.
var fakeCompletion = func() []byte {
	type question struct {
		Text       string   `json:"text"`
		Skill      string   `json:"skill"`
		Difficulty string   `json:"difficulty"`
		Kind       string   `json:"kind"`
		KeyPoints  []string `json:"key_points"`
	}
	qs := make([]question, fakeGeneratorQuestions)
	for i := range qs {
		qs[i] = question{
			Text:       fmt.Sprintf("Describe a production incident you handled in this role and what you changed afterwards (%d).", i+1),
			Difficulty: "medium", Kind: "behavioral",
			KeyPoints: []string{"impact and timeline", "root cause", "the lasting fix"},
		}
	}
	content, err := json.Marshal(map[string]any{"questions": qs})
	if err != nil {
		panic(err)
	}
	b, err := json.Marshal(map[string]any{
		"id": "chatcmpl-bench", "object": "chat.completion",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop",
			"message": map[string]string{"role": "assistant", "content": string(content)}}},
	})
	if err != nil {
		panic(err)
	}
	return b
}()

// startFakeGenerator listens on a free loopback port.
func startFakeGenerator() (*fakeGenerator, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake generator: %w", err)
	}
	g := &fakeGenerator{url: "http://" + l.Addr().String() + "/v1/chat/completions"}
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/chat/completions", g.serve)
	g.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := g.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			panic(err)
		}
	}()
	return g, nil
}

func (g *fakeGenerator) setDelay(d time.Duration) { g.delay.Store(int64(d)) }

func (g *fakeGenerator) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var req struct {
		Messages []struct{ Content string } `json:"messages"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) == 0 || !strings.Contains(req.Messages[len(req.Messages)-1].Content, "interview questions") {
		http.Error(w, "not a question request", http.StatusBadRequest)
		return
	}
	g.calls.Add(1)
	if d := time.Duration(g.delay.Load()); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(fakeCompletion)
}

func (g *fakeGenerator) close() { _ = g.srv.Close() }
