package request

import (
	"errors"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	ten := 10
	tests := []struct {
		name   string
		body   string
		want   ParseJD
		status int // 0: accepted
		code   string
	}{
		{name: "full", body: `{"job_description":"Go","num_questions":10,"difficulty":"hard"}`,
			want: ParseJD{JobDescription: "Go", NumQuestions: &ten, Difficulty: "hard"}},
		{name: "omitted count stays nil", body: `{"job_description":"Go"}`, want: ParseJD{JobDescription: "Go"}},
		{name: "surrounding whitespace", body: " \n{\"job_description\":\"Go\"}\n", want: ParseJD{JobDescription: "Go"}},
		{name: "empty", body: ``, status: 400, code: "malformed_json"},
		{name: "truncated", body: `{"job_description":"Go"`, status: 400, code: "malformed_json"},
		{name: "syntax", body: `{"job_description":Go}`, status: 400, code: "malformed_json"},
		{name: "array", body: `["Go"]`, status: 400, code: "malformed_json"},
		{name: "unknown field", body: `{"job_description":"Go","level":"senior"}`, status: 400, code: "unknown_field"},
		{name: "string for number", body: `{"num_questions":"10"}`, status: 400, code: "invalid_type"},
		{name: "fraction for number", body: `{"num_questions":2.5}`, status: 400, code: "invalid_type"},
		{name: "second object", body: `{"job_description":"Go"}{}`, status: 400, code: "malformed_json"},
		{name: "over 1 MiB", body: `{"job_description":"` + strings.Repeat("x", MaxBodyBytes) + `"}`, status: 413, code: "body_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got ParseJD
			err := decodeBytes([]byte(tt.body), &got)
			if tt.status == 0 {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if got.JobDescription != tt.want.JobDescription || got.Difficulty != tt.want.Difficulty ||
					(got.NumQuestions == nil) != (tt.want.NumQuestions == nil) ||
					(got.NumQuestions != nil && *got.NumQuestions != *tt.want.NumQuestions) {
					t.Errorf("decoded %+v, want %+v", got, tt.want)
				}
				return
			}
			var re *Error
			if !errors.As(err, &re) || re.Status != tt.status || re.Code != tt.code {
				t.Fatalf("error %v, want %d %s", err, tt.status, tt.code)
			}
		})
	}
}
