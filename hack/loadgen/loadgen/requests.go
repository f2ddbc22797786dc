package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// The API paths (README.md, "Endpoints").
const (
	pathParseJD       = "/api/v1/parse-jd"
	pathAnalyzeAnswer = "/api/v1/analyze-answer"
	pathServices      = "/api/v1/services"
	pathSessions      = "/api/v1/sessions/"
)

// route names an operation's endpoint the way reports print it.
func route(op Op) string {
	switch op {
	case OpParseJD:
		return "POST " + pathParseJD
	case OpAnalyzeAnswer:
		return "POST " + pathAnalyzeAnswer
	case OpServices:
		return "GET " + pathServices
	case OpSession:
		return "GET " + pathSessions + ":id"
	}
	return string(op)
}

// maxBodyRead bounds what the generator reads of one response body it parses.
const maxBodyRead = 4 << 20

// requester builds the requests of a run and interprets their responses.
type requester struct {
	base     string
	client   *http.Client
	timeout  time.Duration
	corpus   Corpus
	numQs    int
	sessions *sessionPool
}

type parseJDRequest struct {
	JobDescription string `json:"job_description"`
	NumQuestions   int    `json:"num_questions"`
	Difficulty     string `json:"difficulty"`
}

type parseJDResponse struct {
	SessionID string `json:"session_id"`
	Questions []struct {
		ID string `json:"id"`
	} `json:"questions"`
}

type analyzeAnswerRequest struct {
	SessionID  string `json:"session_id"`
	QuestionID string `json:"question_id"`
	Answer     string `json:"answer"`
}

type errorBody struct {
	Error struct {
		Code string `json:"code"`
	} `json:"error"`
}

// do sends request number seq of operation op and reports what it came to. The latency
// runs from due (the moment the request was meant to start) to the end of the body.
func (r *requester) do(ctx context.Context, op Op, seq int64, rng *rand.Rand, due time.Time) outcome {
	var (
		method = http.MethodGet
		path   string
		body   any
	)
	switch op {
	case OpParseJD:
		method, path = http.MethodPost, pathParseJD
		body = parseJDRequest{
			JobDescription: r.corpus.JobDescriptions[seq%int64(len(r.corpus.JobDescriptions))],
			NumQuestions:   r.numQs,
			Difficulty:     "mixed",
		}
	case OpAnalyzeAnswer:
		sessionID, questionID, ok := r.sessions.question(rng)
		if !ok {
			return outcome{op: op, transport: kindNoSession, detail: "no session with questions to answer yet (every parse-jd so far returned no questions)"}
		}
		method, path = http.MethodPost, pathAnalyzeAnswer
		body = analyzeAnswerRequest{
			SessionID:  sessionID,
			QuestionID: questionID,
			Answer:     r.corpus.Answers[seq%int64(len(r.corpus.Answers))],
		}
	case OpServices:
		path = pathServices
	case OpSession:
		s, ok := r.sessions.session(rng)
		if !ok {
			return outcome{op: op, transport: kindNoSession, detail: "no session to read yet"}
		}
		path = pathSessions + url.PathEscape(s.ID)
	default:
		return outcome{op: op, transport: "other", detail: fmt.Sprintf("unknown operation %q", op)}
	}

	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	req, err := r.newRequest(ctx, method, path, body)
	if err != nil {
		return outcome{op: op, transport: "other", detail: err.Error()}
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return outcome{op: op, transport: transportKind(err), detail: err.Error()}
	}
	defer resp.Body.Close()
	o := outcome{op: op, status: resp.StatusCode}

	success := resp.StatusCode >= 200 && resp.StatusCode < 300
	switch {
	case success && op == OpParseJD:
		var pr parseJDResponse
		raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyRead))
		if err != nil {
			return outcome{op: op, transport: transportKind(err), detail: "reading body: " + err.Error()}
		}
		if err := json.Unmarshal(raw, &pr); err != nil || pr.SessionID == "" {
			o.invalid = fmt.Sprintf("parse-jd answered %d without a session_id: %.200s", resp.StatusCode, raw)
			break
		}
		s := Session{ID: pr.SessionID}
		for _, q := range pr.Questions {
			if q.ID != "" {
				s.QuestionIDs = append(s.QuestionIDs, q.ID)
			}
		}
		r.sessions.add(s)
	case success:
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return outcome{op: op, transport: transportKind(err), detail: "reading body: " + err.Error()}
		}
	default:
		raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyRead))
		if err != nil {
			return outcome{op: op, transport: transportKind(err), detail: "reading body: " + err.Error()}
		}
		var eb errorBody
		if json.Unmarshal(raw, &eb) == nil {
			o.apiCode = eb.Error.Code
		}
	}
	o.latency = time.Since(due)
	return o
}

func (r *requester) newRequest(ctx context.Context, method, path string, body any) (*http.Request, error) {
	var reader io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encoding request body: %w", err)
		}
		reader = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, reader)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// transportKind sorts failures below HTTP into the few kinds that mean different things
// to someone reading a report: the server is slow (timeout), not there (refused), or
// dropped the connection (reset).
func transportKind(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return kindCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection_refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		strings.Contains(err.Error(), "server closed idle connection"):
		return "connection_reset"
	default:
		return "other"
	}
}

// kindNoSession marks a request that could not be sent because no parse-jd had yet
// returned the ids it needs.
const kindNoSession = "no_session"

// kindCanceled marks a request cut short because the run itself was cancelled; such
// requests say nothing about the server and are not counted.
const kindCanceled = "canceled"

// trimBase drops a trailing slash so that paths can be appended.
func trimBase(base string) string { return strings.TrimRight(base, "/") }
