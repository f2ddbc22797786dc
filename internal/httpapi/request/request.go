// Package request decodes the JSON bodies of the API's POST endpoints strictly: one JSON
// object of at most 1 MiB, no unknown fields, no trailing data, every field of the right
// type. It depends on the standard library only, so that its fuzz target builds fast.
package request

// ParseJD is the body of POST /api/v1/parse-jd.
type ParseJD struct {
	JobDescription string `json:"job_description"`
	NumQuestions   *int   `json:"num_questions"` // omitted: the service's default
	Difficulty     string `json:"difficulty"`    // omitted: mixed
}

// AnalyzeAnswer is the body of POST /api/v1/analyze-answer.
type AnalyzeAnswer struct {
	SessionID  string `json:"session_id"`
	QuestionID string `json:"question_id"`
	Answer     string `json:"answer"`
}
