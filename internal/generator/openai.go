package generator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// maxResponseBytes bounds what is read from the provider: a question list is a few
// kilobytes, and a misbehaving endpoint must not exhaust memory.
const maxResponseBytes = 4 << 20

// OpenAI asks an OpenAI-compatible chat-completions endpoint for questions.
type OpenAI struct {
	url, model, apiKey string
	client             *http.Client
}

// NewOpenAI returns a generator that POSTs chat completions to url (the full endpoint,
// e.g. https://host/v1/chat/completions). apiKey may be empty for endpoints without
// authentication. A nil client means http.DefaultClient; deadlines come from the
// context passed to Generate.
func NewOpenAI(url, model, apiKey string, client *http.Client) *OpenAI {
	if client == nil {
		client = http.DefaultClient
	}
	return &OpenAI{url: url, model: model, apiKey: apiKey, client: client}
}

// Name implements Generator.
func (*OpenAI) Name() string { return "openai" }

// ProviderError is a non-2xx answer of the provider.
type ProviderError struct {
	StatusCode int
	Body       string // the start of the response body, for the log
}

func (e *ProviderError) Error() string {
	return fmt.Sprintf("provider answered HTTP %d: %s", e.StatusCode, e.Body)
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model       string        `json:"model"`
	Messages    []chatMessage `json:"messages"`
	Temperature float64       `json:"temperature"`
}

type chatResponse struct {
	Choices []struct {
		Message chatMessage `json:"message"`
	} `json:"choices"`
}

// wireQuestion is the shape the prompt asks the model to answer in.
type wireQuestion struct {
	Text       string   `json:"text"`
	Skill      string   `json:"skill"`
	Difficulty string   `json:"difficulty"`
	Kind       string   `json:"kind"`
	KeyPoints  []string `json:"key_points"`
}

// Generate implements Generator.
func (o *OpenAI) Generate(ctx context.Context, r Request) ([]Question, error) {
	body, err := json.Marshal(chatRequest{
		Model:       o.model,
		Temperature: 0.2,
		Messages: []chatMessage{
			{Role: "system", Content: systemPrompt},
			{Role: "user", Content: userPrompt(r)},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("openai generator: encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("openai generator: build request for %s: %w", o.url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if o.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+o.apiKey)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("openai generator: call %s: %w", o.url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, fmt.Errorf("openai generator: read response: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("openai generator: %w", &ProviderError{StatusCode: resp.StatusCode, Body: snippet(raw)})
	}
	var chat chatResponse
	if err := json.Unmarshal(raw, &chat); err != nil {
		return nil, fmt.Errorf("openai generator: response is not a chat completion: %w", err)
	}
	if len(chat.Choices) == 0 {
		return nil, errors.New("openai generator: response has no choices")
	}
	qs, err := parseQuestions(chat.Choices[0].Message.Content, r)
	if err != nil {
		return nil, fmt.Errorf("openai generator: %w", err)
	}
	return qs, nil
}

// Probe asks the endpoint whether it is there, without spending a completion: a GET
// of the chat-completions URL, which an OpenAI-compatible server answers with 405 (or
// 404/400 on some), is enough to know it is reachable and takes the key. It fails on
// no answer, on 401 or 403 (the key is refused) and on 5xx.
func (o *OpenAI) Probe(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.url, nil)
	if err != nil {
		return fmt.Errorf("openai generator: build probe for %s: %w", o.url, err)
	}
	if o.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+o.apiKey)
	}
	resp, err := o.client.Do(req)
	if err != nil {
		return fmt.Errorf("openai generator: probe %s: %w", o.url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBytes))
	switch {
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden, resp.StatusCode >= 500:
		return fmt.Errorf("openai generator: probe: %w", &ProviderError{StatusCode: resp.StatusCode})
	}
	return nil
}

const systemPrompt = `You write technical interview questions. Answer with JSON only, no prose, in the form
{"questions":[{"text":"...","skill":"<skill id or empty for a role question>","difficulty":"easy|medium|hard","kind":"technical|coding|system_design|behavioral","key_points":["...","...","..."]}]}
Each question has 3 to 6 key points: short phrases naming what a complete answer covers.`

func userPrompt(r Request) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Write %d interview questions for the role %q (seniority: %s).\n", r.wanted(), orDefault(r.Role, "Software Engineer"), orDefault(r.Seniority, "mid"))
	fmt.Fprintf(&b, "Difficulty: %s.\n", orDefault(r.Difficulty, Mixed))
	if len(r.Skills) > 0 {
		b.WriteString("Skills (id: name):\n")
		for _, s := range r.Skills {
			fmt.Fprintf(&b, "- %s: %s\n", s.ID, s.Name)
		}
		b.WriteString("Cover each skill; use its id in \"skill\".")
	}
	if r.Role != "" {
		b.WriteString(" Include one question tailored to the role itself, with an empty \"skill\".")
	}
	return b.String()
}

// parseQuestions reads the model's answer: a {"questions": [...]} object or a bare
// array, possibly inside a Markdown code fence. Questions that cannot be stored
// (no text, fewer than two key points) are dropped; unknown difficulties and kinds
// take the request's difficulty and "technical"; skills given by name are mapped to
// their id, unknown skills make a role question.
func parseQuestions(content string, r Request) ([]Question, error) {
	content = stripFence(content)
	var list []wireQuestion
	var wrapped struct {
		Questions []wireQuestion `json:"questions"`
	}
	if err := json.Unmarshal([]byte(content), &wrapped); err == nil && wrapped.Questions != nil {
		list = wrapped.Questions
	} else if err := json.Unmarshal([]byte(content), &list); err != nil {
		return nil, fmt.Errorf("model answer is not the requested JSON (%s)", snippet([]byte(content)))
	}
	skillIDs := map[string]string{}
	for _, s := range r.Skills {
		skillIDs[strings.ToLower(s.ID)] = s.ID
		skillIDs[strings.ToLower(s.Name)] = s.ID
	}
	var out []Question
	for i, w := range list {
		var points []string
		for _, p := range w.KeyPoints {
			if p = strings.TrimSpace(p); p != "" {
				points = append(points, p)
			}
		}
		text := strings.TrimSpace(w.Text)
		if text == "" || len(points) < 2 {
			continue
		}
		q := Question{Text: text, SkillID: skillIDs[strings.ToLower(strings.TrimSpace(w.Skill))], Difficulty: w.Difficulty, Kind: w.Kind, KeyPoints: points}
		if !validDifficulty(q.Difficulty) {
			q.Difficulty = r.difficultyAt(i)
		}
		if !validKind(q.Kind) {
			q.Kind = Technical
		}
		out = append(out, q)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("model answer holds no usable question (%d given)", len(list))
	}
	if n := r.wanted(); len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// stripFence removes a ```json … ``` fence that chat models like to add.
func stripFence(s string) string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "```") {
		return s
	}
	s = strings.TrimPrefix(s, "```")
	if nl := strings.IndexByte(s, '\n'); nl >= 0 {
		s = s[nl+1:] // drop the language tag line
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "```"))
}

func snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
