package loadgen

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAPI is a stand-in for the interview API with the same request and response shapes
// and hooks to make it fail, so that the generator's accounting can be checked against
// what the server really saw.
type fakeAPI struct {
	t *testing.T

	// fail, when set, may answer a request instead of the normal handler: it returns
	// true when it did. n is the 1-based count of requests seen on that route.
	fail func(w http.ResponseWriter, r *http.Request, route Op, n int64) bool
	// delay is added to every request.
	delay time.Duration
	// noQuestions makes parse-jd return sessions without questions.
	noQuestions bool

	mu       sync.Mutex
	sessions map[string][]string
	counts   map[Op]*atomic.Int64
	nextID   atomic.Int64
	// unknownIDs counts requests naming a session or question the server never issued.
	unknownIDs atomic.Int64
}

func newFakeAPI(t *testing.T) *fakeAPI {
	f := &fakeAPI{t: t, sessions: map[string][]string{}, counts: map[Op]*atomic.Int64{}}
	for _, op := range allOps {
		f.counts[op] = &atomic.Int64{}
	}
	return f
}

func (f *fakeAPI) start() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+pathParseJD, f.wrap(OpParseJD, f.parseJD))
	mux.HandleFunc("POST "+pathAnalyzeAnswer, f.wrap(OpAnalyzeAnswer, f.analyzeAnswer))
	mux.HandleFunc("GET "+pathServices, f.wrap(OpServices, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"services": []string{"question_bank", "database"}})
	}))
	mux.HandleFunc("GET "+pathSessions+"{id}", f.wrap(OpSession, f.session))
	srv := httptest.NewServer(mux)
	f.t.Cleanup(srv.Close)
	return srv
}

func (f *fakeAPI) count(op Op) int64 { return f.counts[op].Load() }

func (f *fakeAPI) wrap(op Op, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := f.counts[op].Add(1)
		if f.delay > 0 {
			select {
			case <-time.After(f.delay):
			case <-r.Context().Done():
				return
			}
		}
		if f.fail != nil && f.fail(w, r, op, n) {
			return
		}
		h(w, r)
	}
}

func (f *fakeAPI) parseJD(w http.ResponseWriter, r *http.Request) {
	var req parseJDRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || strings.TrimSpace(req.JobDescription) == "" || req.NumQuestions < 1 {
		writeError(w, http.StatusBadRequest, "bad_request")
		return
	}
	id := fmt.Sprintf("s-%d", f.nextID.Add(1))
	var qs []map[string]string
	var qids []string
	if !f.noQuestions {
		for i := range 3 {
			qid := fmt.Sprintf("%s-q%d", id, i)
			qids = append(qids, qid)
			qs = append(qs, map[string]string{"id": qid, "text": "Explain something."})
		}
	}
	f.mu.Lock()
	f.sessions[id] = qids
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"session_id": id, "role": "Engineer", "questions": qs})
}

func (f *fakeAPI) analyzeAnswer(w http.ResponseWriter, r *http.Request) {
	var req analyzeAnswerRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Answer == "" {
		writeError(w, http.StatusBadRequest, "bad_request")
		return
	}
	f.mu.Lock()
	qids, ok := f.sessions[req.SessionID]
	f.mu.Unlock()
	if !ok || !strings.HasPrefix(req.QuestionID, req.SessionID+"-") || len(qids) == 0 {
		f.unknownIDs.Add(1)
		writeError(w, http.StatusNotFound, "not_found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": "a-1", "score": 70})
}

func (f *fakeAPI) session(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	_, ok := f.sessions[r.PathValue("id")]
	f.mu.Unlock()
	if !ok {
		f.unknownIDs.Add(1)
		writeError(w, http.StatusNotFound, "not_found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"session_id": r.PathValue("id")})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": code}})
}

// hangUp drops the connection without an answer, as a crashing server would.
func hangUp(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijacking the connection: %v", err)
		return
	}
	_ = conn.Close()
}
