package crash

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Bounds of every load run: it stops at whichever comes first.
const (
	loadWorkers     = 8
	loadMaxRequests = 20000
	loadMaxDuration = 2 * time.Minute
)

// ledger is what the clients were told: every write answered 2xx, with the time the
// answer arrived, and every other outcome counted by kind.
type ledger struct {
	mu       sync.Mutex
	sessions map[string]int // session id → questions in the 201 answer
	analyses []string       // analysis ids answered 201
	acked    []time.Time    // when each 2xx arrived
	other    map[string]int // "503 database_unavailable", "transport error", …
}

func newLedger() *ledger {
	return &ledger{sessions: map[string]int{}, other: map[string]int{}}
}

// acks is the number of writes acknowledged so far.
func (l *ledger) acks() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// firstAck is when the first acknowledgement arrived.
func (l *ledger) firstAck() time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.acked) == 0 {
		return time.Time{}
	}
	return l.acked[0]
}

// acksSince is the number of acknowledgements that arrived after t.
func (l *ledger) acksSince(t time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, a := range l.acked {
		if a.After(t) {
			n++
		}
	}
	return n
}

// waitAcks waits for n more acknowledgements than there are now.
func (l *ledger) waitAcks(t *testing.T, n int, timeout time.Duration, what string) {
	t.Helper()
	want := l.acks() + n
	waitFor(t, timeout, what, func() error {
		if got := l.acks(); got < want {
			return fmt.Errorf("%d of %d acknowledgements (others: %s)", got, want, l.otherSummary())
		}
		return nil
	})
}

func (l *ledger) otherSummary() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(otherLines(l.other), ", ")
}

// load posts writes from loadWorkers clients to whatever server target returns, until
// stop is called or a bound is reached: one in five creates a session (a multi-row
// transaction), the others store an analysed answer to the given question.
type load struct {
	target  func() string
	ledger  *ledger
	client  *http.Client
	session string
	qid     string
	sent    atomic.Int64
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

func startLoad(t *testing.T, target func() string, l *ledger) *load {
	t.Helper()
	ld := &load{target: target, ledger: l, client: &http.Client{Timeout: 10 * time.Second}}
	ld.session, ld.qid = ld.createSession(t)
	ctx, cancel := context.WithTimeout(context.Background(), loadMaxDuration)
	ld.cancel = cancel
	for w := range loadWorkers {
		ld.done.Go(func() { ld.work(ctx, w) })
	}
	t.Cleanup(ld.stop)
	return ld
}

// stop ends the load and waits for every request in flight to finish.
func (ld *load) stop() {
	ld.cancel()
	ld.done.Wait()
}

func (ld *load) work(ctx context.Context, worker int) {
	for i := 0; ctx.Err() == nil && ld.sent.Add(1) <= loadMaxRequests; i++ {
		var ok bool
		if (i+worker)%5 == 0 {
			ok = ld.postSession(ctx)
		} else {
			ok = ld.postAnalysis(ctx)
		}
		if !ok {
			// The server or its database is down: do not spin.
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
}

const jobDescription = "Go developer: services on Kubernetes with PostgreSQL, p99 latency budgets."

func (ld *load) createSession(t *testing.T) (session, question string) {
	t.Helper()
	var out sessionReply
	status, err := ld.post(context.Background(), "/api/v1/parse-jd", map[string]any{"job_description": jobDescription, "num_questions": 3}, &out)
	if err != nil || status != http.StatusCreated || len(out.Questions) == 0 {
		t.Fatalf("parse-jd before the load: %d %v", status, err)
	}
	ld.ledger.record(status, "", func(l *ledger) { l.sessions[out.SessionID] = len(out.Questions) })
	return out.SessionID, out.Questions[0].ID
}

type sessionReply struct {
	SessionID string `json:"session_id"`
	Questions []struct {
		ID string `json:"id"`
	} `json:"questions"`
}

func (ld *load) postSession(ctx context.Context) bool {
	var out sessionReply
	status, err := ld.post(ctx, "/api/v1/parse-jd", map[string]any{"job_description": jobDescription, "num_questions": 3}, &out)
	if err == nil && status/100 == 2 && (out.SessionID == "" || len(out.Questions) == 0) {
		err = fmt.Errorf("2xx without a session id and questions")
	}
	return ld.ledger.outcome(status, err, func(l *ledger) { l.sessions[out.SessionID] = len(out.Questions) })
}

func (ld *load) postAnalysis(ctx context.Context) bool {
	var out struct {
		AnalysisID string `json:"analysis_id"`
	}
	status, err := ld.post(ctx, "/api/v1/analyze-answer", map[string]any{
		"session_id": ld.session, "question_id": ld.qid,
		"answer": "I would add an index, then compare p99 before and after under the same load.",
	}, &out)
	if err == nil && status/100 == 2 && out.AnalysisID == "" {
		err = fmt.Errorf("2xx without an analysis id")
	}
	return ld.ledger.outcome(status, err, func(l *ledger) { l.analyses = append(l.analyses, out.AnalysisID) })
}

// outcome records one answer; ack runs under the ledger's lock for a 2xx. A 2xx whose
// body lacks the id is a failure of its own: the test fails on it.
func (l *ledger) outcome(status int, err error, ack func(*ledger)) bool {
	switch {
	case err != nil && status/100 == 2:
		l.record(0, "2xx without id: "+err.Error(), nil)
		return false
	case err != nil:
		l.record(0, "transport error", nil)
		return false
	case status/100 != 2:
		l.record(status, "", nil)
		return false
	}
	l.record(status, "", ack)
	return true
}

func (l *ledger) record(status int, kind string, ack func(*ledger)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ack != nil {
		ack(l)
		l.acked = append(l.acked, time.Now())
		return
	}
	if kind == "" {
		kind = fmt.Sprintf("HTTP %d", status)
	}
	l.other[kind]++
}

// post sends a JSON body and decodes a 2xx answer into out.
func (ld *load) post(ctx context.Context, path string, body, out any) (int, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ld.target()+path, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := ld.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode/100 == 2 {
		return resp.StatusCode, json.Unmarshal(raw, out)
	}
	return resp.StatusCode, nil
}

// verifyNothingLost fails the test for every acknowledged write that the database does
// not hold in full: a session without its row or with fewer questions than its answer
// listed, an analysis without its row. It returns the number of writes checked.
func verifyNothingLost(t *testing.T, databaseURL string, l *ledger) int {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for kind := range l.other {
		if strings.HasPrefix(kind, "2xx without id") {
			t.Errorf("%d answers: %s", l.other[kind], kind)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatalf("connect to check the acknowledged writes: %v", err)
	}
	defer conn.Close(ctx)

	ids := make([]string, 0, len(l.sessions))
	for id := range l.sessions {
		ids = append(ids, id)
	}
	rows, err := conn.Query(ctx, `SELECT s.id::text, count(q.*) FROM interview_sessions s
		LEFT JOIN session_questions q ON q.session_id = s.id
		WHERE s.id = ANY($1::uuid[]) GROUP BY s.id`, ids)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		stored[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	lostSessions := 0
	for id, want := range l.sessions {
		if got, ok := stored[id]; !ok || got != want {
			lostSessions++
			if lostSessions <= 5 {
				t.Errorf("session %s acknowledged with %d questions: the database holds %d (row present: %v)", id, want, got, ok)
			}
		}
	}
	var found int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM answer_analyses WHERE id = ANY($1::uuid[])", l.analyses).Scan(&found); err != nil {
		t.Fatal(err)
	}
	lostAnalyses := len(l.analyses) - found
	t.Logf("acknowledged: %d sessions, %d analyses; lost: %d sessions, %d analyses; other answers: %s",
		len(l.sessions), len(l.analyses), lostSessions, lostAnalyses, strings.Join(otherLines(l.other), ", "))
	if lostSessions > 0 || lostAnalyses > 0 {
		t.Errorf("acknowledged writes lost: %d of %d sessions, %d of %d analyses", lostSessions, len(l.sessions), lostAnalyses, len(l.analyses))
	}
	return len(l.sessions) + len(l.analyses)
}

func otherLines(m map[string]int) []string {
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s ×%d", k, v))
	}
	sort.Strings(out)
	if len(out) == 0 {
		out = []string{"none"}
	}
	return out
}
