package app

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// TestGeneratorClientKeepsItsConnections: parse-jd calls the external generator once per
// request, so calls come in bursts as wide as the load. After a first burst of 64
// concurrent calls, two more bursts reuse its connections instead of dialling again
// (Go's default transport would keep only 2 and dial about 62 per burst).
func TestGeneratorClientKeepsItsConnections(t *testing.T) {
	var dialled atomic.Int64
	release := make(chan struct{})
	var arrived sync.WaitGroup
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Done()
		<-release // every call of a burst is in flight at once
		_, _ = io.WriteString(w, `{"choices":[]}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dialled.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	client := newGeneratorClient()
	const burst = 64
	for round := range 3 {
		arrived.Add(burst)
		var done sync.WaitGroup
		for range burst {
			done.Go(func() {
				resp, err := client.Post(srv.URL, "application/json", nil)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			})
		}
		arrived.Wait()
		for range burst {
			release <- struct{}{}
		}
		done.Wait()
		if got := dialled.Load(); got != burst {
			t.Fatalf("after burst %d: %d connections dialled, want the first burst's %d reused", round+1, got, burst)
		}
	}
}
