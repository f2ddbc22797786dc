package framework

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Counts are the answers of a load over some time.
type Counts struct {
	// Requests that got an answer or failed below HTTP.
	Requests int64
	// OK counts 2xx answers.
	OK int64
	// Failed = non-2xx answers + requests that got no answer (refused, reset, timed out).
	Failed int64
	// ByStatus counts answers by HTTP status; ByTransport counts requests without an
	// answer by kind.
	ByStatus    map[int]int64
	ByTransport map[string]int64
}

// Sub is what happened between an earlier snapshot and c.
func (c Counts) Sub(earlier Counts) Counts {
	d := Counts{
		Requests:    c.Requests - earlier.Requests,
		OK:          c.OK - earlier.OK,
		Failed:      c.Failed - earlier.Failed,
		ByStatus:    map[int]int64{},
		ByTransport: map[string]int64{},
	}
	for k, v := range c.ByStatus {
		if n := v - earlier.ByStatus[k]; n != 0 {
			d.ByStatus[k] = n
		}
	}
	for k, v := range c.ByTransport {
		if n := v - earlier.ByTransport[k]; n != 0 {
			d.ByTransport[k] = n
		}
	}
	return d
}

// Add is the answers of c and other together (two loads against one Service).
func (c Counts) Add(other Counts) Counts {
	sum := Counts{
		Requests:    c.Requests + other.Requests,
		OK:          c.OK + other.OK,
		Failed:      c.Failed + other.Failed,
		ByStatus:    maps.Clone(c.ByStatus),
		ByTransport: maps.Clone(c.ByTransport),
	}
	if sum.ByStatus == nil {
		sum.ByStatus = map[int]int64{}
	}
	if sum.ByTransport == nil {
		sum.ByTransport = map[string]int64{}
	}
	for k, v := range other.ByStatus {
		sum.ByStatus[k] += v
	}
	for k, v := range other.ByTransport {
		sum.ByTransport[k] += v
	}
	return sum
}

// String reads like "1234 requests, 0 failed" with the failures broken down.
func (c Counts) String() string {
	s := fmt.Sprintf("%d requests, %d failed", c.Requests, c.Failed)
	var parts []string
	for _, code := range slices.Sorted(maps.Keys(c.ByStatus)) {
		if code < 200 || code > 299 {
			parts = append(parts, fmt.Sprintf("HTTP %d: %d", code, c.ByStatus[code]))
		}
	}
	for _, kind := range slices.Sorted(maps.Keys(c.ByTransport)) {
		parts = append(parts, fmt.Sprintf("%s: %d", kind, c.ByTransport[kind]))
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// Failure is one request that failed.
type Failure struct {
	Time   time.Time
	Method string
	Path   string
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	// Detail is the transport error or the start of the error body.
	Detail string
}

func (f Failure) String() string {
	what := f.Detail
	if f.Status != 0 {
		what = fmt.Sprintf("HTTP %d %s", f.Status, f.Detail)
	}
	return fmt.Sprintf("%s %s %s: %s", f.Time.Format("15:04:05.000"), f.Method, f.Path, what)
}

// maxSamples bounds the failures kept for reports; a run that fails more than this
// has said enough.
const maxSamples = 5000

// maxDetail bounds the text kept of one failure.
const maxDetail = 300

// recorder counts every answer of a load as it arrives; it sits in the load
// generator's HTTP client.
type recorder struct {
	mu       sync.Mutex
	total    Counts
	failures []Failure
	analyses []string
	unread   int64
}

func newRecorder() *recorder {
	return &recorder{total: Counts{ByStatus: map[int]int64{}, ByTransport: map[string]int64{}}}
}

// transport opens a new connection for every request. The local cluster's Service
// proxy, like kube-proxy, balances connections, not requests: only new connections
// split the traffic by replica count, and only they move to new pods as pods are
// replaced (a kept-alive connection would stay on its pod until the pod goes).
func (r *recorder) transport(timeout time.Duration) http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DisableKeepAlives = true
	t.DisableCompression = true
	t.ResponseHeaderTimeout = timeout
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := t.RoundTrip(req)
		r.observe(req, resp, err)
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

func (r *recorder) observe(req *http.Request, resp *http.Response, err error) {
	if err != nil && errors.Is(err, context.Canceled) {
		// The load was stopped: the request says nothing about the server.
		return
	}
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total.Requests++
	switch {
	case err != nil:
		kind := transportKind(err)
		r.total.Failed++
		r.total.ByTransport[kind]++
		r.sample(Failure{Time: now, Method: req.Method, Path: req.URL.Path, Detail: err.Error()})
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		r.total.Failed++
		r.total.ByStatus[resp.StatusCode]++
		resp.Body = &teeBody{ReadCloser: resp.Body, done: func(body []byte) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.sample(Failure{Time: now, Method: req.Method, Path: req.URL.Path, Status: resp.StatusCode, Detail: strings.TrimSpace(string(body))})
		}}
	default:
		r.total.OK++
		r.total.ByStatus[resp.StatusCode]++
		if req.Method == http.MethodPost && strings.HasSuffix(req.URL.Path, "/analyze-answer") {
			resp.Body = &teeBody{ReadCloser: resp.Body, done: r.recordAnalysis}
		}
	}
}

func (r *recorder) sample(f Failure) {
	if len(f.Detail) > maxDetail {
		f.Detail = f.Detail[:maxDetail] + "…"
	}
	if len(r.failures) < maxSamples {
		r.failures = append(r.failures, f)
	}
}

func (r *recorder) recordAnalysis(body []byte) {
	var answer struct {
		AnalysisID string `json:"analysis_id"`
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if json.Unmarshal(body, &answer) != nil || answer.AnalysisID == "" {
		r.unread++
		return
	}
	r.analyses = append(r.analyses, answer.AnalysisID)
}

func (r *recorder) counts() Counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.total
	c.ByStatus, c.ByTransport = maps.Clone(c.ByStatus), maps.Clone(c.ByTransport)
	return c
}

func (r *recorder) failuresSince(t time.Time) []Failure {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Failure
	for _, f := range r.failures {
		if !f.Time.Before(t) {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

func (r *recorder) writes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.analyses)
}

func (r *recorder) unreadWrites() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.unread
}

// transportKind names a failure below HTTP in a few words.
func transportKind(err error) string {
	msg := err.Error()
	switch {
	case errors.Is(err, context.DeadlineExceeded), strings.Contains(msg, "timeout"):
		return "timeout"
	case strings.Contains(msg, "connection refused"):
		return "connection refused"
	case errors.Is(err, io.EOF), strings.Contains(msg, "EOF"), strings.Contains(msg, "connection reset"),
		strings.Contains(msg, "broken pipe"):
		return "connection closed"
	default:
		return "other"
	}
}

// maxTee bounds what a teeBody keeps of a response.
const maxTee = 64 << 10

// teeBody keeps what the reader of a response body reads and hands it to done once,
// when the body is closed.
type teeBody struct {
	io.ReadCloser
	buf  bytes.Buffer
	once sync.Once
	done func([]byte)
}

func (b *teeBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if room := maxTee - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(n, room)])
	}
	return n, err
}

func (b *teeBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(func() { b.done(b.buf.Bytes()) })
	return err
}
