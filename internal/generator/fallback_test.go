package generator

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// stubGenerator is a fake for the pure fallback logic: it answers or fails as told
// and counts its calls.
type stubGenerator struct {
	name  string
	err   error
	calls int
}

func (s *stubGenerator) Name() string { return s.name }

func (s *stubGenerator) Generate(ctx context.Context, r Request) ([]Question, error) {
	s.calls++
	if s.err != nil {
		return nil, s.err
	}
	return []Question{{Text: "from " + s.name, Difficulty: Easy, Kind: Technical, KeyPoints: []string{"a", "b", "c"}}}, nil
}

func TestFallback(t *testing.T) {
	boom := errors.New("provider down")
	tests := []struct {
		name            string
		primary         *stubGenerator // nil for no primary
		secondaryErr    error
		cancelled       bool
		wantSource      string
		wantPrimaryErr  error
		wantErr         string
		wantSecondaryOK bool // secondary must have been called
	}{
		{name: "primary answers", primary: &stubGenerator{name: "openai"}, wantSource: "openai"},
		{name: "primary fails, secondary answers", primary: &stubGenerator{name: "openai", err: boom}, wantSource: "builtin", wantPrimaryErr: boom, wantSecondaryOK: true},
		{name: "no primary", wantSource: "builtin", wantSecondaryOK: true},
		{name: "both fail", primary: &stubGenerator{name: "openai", err: boom}, secondaryErr: errors.New("templates broke"), wantPrimaryErr: boom, wantErr: "both generators failed", wantSecondaryOK: true},
		{name: "no fallback once the request ended", primary: &stubGenerator{name: "openai", err: context.Canceled}, cancelled: true, wantErr: "request ended"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secondary := &stubGenerator{name: "builtin", err: tt.secondaryErr}
			f := Fallback{Secondary: secondary}
			if tt.primary != nil {
				f.Primary = tt.primary
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancelled {
				cancel()
			}
			out, err := f.GenerateWithOutcome(ctx, Request{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if out.Source != tt.wantSource {
				t.Errorf("Source = %q, want %q", out.Source, tt.wantSource)
			}
			if tt.wantErr == "" && (len(out.Questions) != 1 || out.Questions[0].Text != "from "+tt.wantSource) {
				t.Errorf("Questions = %+v, want the answer of %s", out.Questions, tt.wantSource)
			}
			if !errors.Is(out.PrimaryErr, tt.wantPrimaryErr) {
				t.Errorf("PrimaryErr = %v, want %v", out.PrimaryErr, tt.wantPrimaryErr)
			}
			if called := secondary.calls > 0; called != tt.wantSecondaryOK {
				t.Errorf("secondary called = %v, want %v", called, tt.wantSecondaryOK)
			}
		})
	}
}

func TestFallbackRealGenerators(t *testing.T) {
	// An OpenAI generator pointed at nothing falls back to the built-in templates.
	f := Fallback{Primary: NewOpenAI("http://127.0.0.1:1/v1/chat/completions", "m", "", nil), Secondary: Builtin{}}
	out, err := f.GenerateWithOutcome(context.Background(), Request{Role: "SRE", Skills: skills("kubernetes")})
	if err != nil {
		t.Fatal(err)
	}
	if out.Source != "builtin" || out.PrimaryErr == nil || len(out.Questions) != 2 {
		t.Fatalf("outcome = %+v, want 2 builtin questions and the primary's error", out)
	}
	if got := f.Name(); got != "openai+builtin" {
		t.Errorf("Name() = %q", got)
	}
}
