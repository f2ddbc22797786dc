package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/interviewapi/operator/test/pgtest"
)

// TestSIGTERMUnderLoad runs the real command, sends the process SIGTERM while clients
// keep posting answers, and checks that the server drains: the command returns cleanly,
// requests in flight at the signal are answered, and every 2xx answer has its row.
func TestSIGTERMUnderLoad(t *testing.T) {
	url := pgtest.NewDatabase(t)
	logs, logWriter := io.Pipe()
	env := map[string]string{
		"DATABASE_URL":                url,
		"LISTEN_ADDR":                 "127.0.0.1:0",
		"ASYNC_DATABASE_POOL_SIZE":    "2",
		"ASYNC_DATABASE_MAX_OVERFLOW": "0",
		"SHUTDOWN_TIMEOUT":            "20s",
	}
	cmd := newCommand(env, io.Discard, logWriter)
	cmd.SetArgs(nil)
	exited := make(chan error, 1)
	go func() {
		exited <- cmd.ExecuteContext(context.Background())
		logWriter.Close()
	}()
	base := "http://" + listenAddress(t, logs)
	client := &http.Client{Timeout: 30 * time.Second}
	waitReady(t, client, base)

	sessionID, questionID := createSession(t, client, base)

	const workers = 16
	var (
		mu        sync.Mutex
		stored    []string  // analysis ids answered 2xx
		afterKill int       // 2xx answers that completed after SIGTERM was sent
		killedAt  time.Time // zero until SIGTERM is sent
		wg        sync.WaitGroup
		body, _   = json.Marshal(map[string]string{"session_id": sessionID, "question_id": questionID, "answer": "I would add an index and measure p99 before and after."})
	)
	for range workers {
		wg.Go(func() {
			for {
				resp, err := client.Post(base+"/api/v1/analyze-answer", "application/json", bytes.NewReader(body))
				if err != nil {
					return // the listener is closed: the server is draining
				}
				var out struct {
					AnalysisID string `json:"analysis_id"`
				}
				decodeErr := json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					if decodeErr != nil || out.AnalysisID == "" {
						t.Errorf("2xx without an analysis id: %v", decodeErr)
						return
					}
					mu.Lock()
					stored = append(stored, out.AnalysisID)
					if !killedAt.IsZero() {
						afterKill++
					}
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	killedAt = time.Now()
	mu.Unlock()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("server exited with %v after SIGTERM", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server still running 30s after SIGTERM")
	}
	wg.Wait()

	missing := countMissing(t, url, stored)
	t.Logf("%d answers stored with 2xx, %d of them completed after SIGTERM; shut down %s after the signal; %d without a row",
		len(stored), afterKill, time.Since(killedAt).Round(time.Millisecond), missing)
	if len(stored) == 0 || missing != 0 {
		t.Fatalf("%d of %d answers acknowledged with 2xx have no row", missing, len(stored))
	}
	if afterKill == 0 {
		t.Error("no request in flight at SIGTERM was answered: the server did not drain")
	}
}

// listenAddress reads the server's JSON log until the "serving" line and returns its
// address, then keeps draining the log so the server never blocks on it.
func listenAddress(t *testing.T, logs io.Reader) string {
	t.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
				found <- line.Addr
			}
		}
	}()
	select {
	case addr := <-found:
		return addr
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not log its address within 30s")
		return ""
	}
}

func waitReady(t *testing.T, client *http.Client, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("server not ready within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func createSession(t *testing.T, client *http.Client, base string) (sessionID, questionID string) {
	t.Helper()
	resp, err := client.Post(base+"/api/v1/parse-jd", "application/json",
		strings.NewReader(`{"job_description":"Go developer with PostgreSQL","num_questions":2}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		SessionID string `json:"session_id"`
		Questions []struct {
			ID string `json:"id"`
		} `json:"questions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated || len(out.Questions) == 0 {
		t.Fatalf("parse-jd: %d %v", resp.StatusCode, err)
	}
	return out.SessionID, out.Questions[0].ID
}

func countMissing(t *testing.T, url string, ids []string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var found int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM answer_analyses WHERE id = ANY($1::uuid[])", ids).Scan(&found); err != nil {
		t.Fatal(err)
	}
	return len(ids) - found
}
