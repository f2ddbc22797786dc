// Package crash holds process-level crash tests: the real interviewapi-server built from
// this repository and a real PostgreSQL, killed under a bounded load from loopback
// clients. Each test asserts that nothing acknowledged is lost: every write a client
// saw a 2xx for is in the database afterwards, whole.
package crash

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/interviewapi/operator/test/pgtest"
	"github.com/interviewapi/operator/test/serverproc"
)

func TestMain(m *testing.M) { os.Exit(serverproc.Main(m, &serverBinary)) }

var engines = []string{"sync", "async"}

// TestServerKilled kills the server under load, with SIGKILL (no chance to finish
// anything) and with SIGTERM (graceful drain), for both engines, then starts a new
// server on the same database and loads it again. Every acknowledged write must be
// stored; after SIGTERM the process must exit cleanly, having answered the requests it
// had accepted; after SIGKILL the new server must migrate and serve over whatever the
// killed one left.
func TestServerKilled(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		for _, mode := range engines {
			t.Run(fmt.Sprintf("%v/%s", sig, mode), func(t *testing.T) {
				db := pgtest.NewDatabase(t)
				srv := startServer(t, db, mode)
				var base atomic.Pointer[string]
				base.Store(&srv.Base)
				l := newLedger()
				ld := startLoad(t, func() string { return *base.Load() }, l)
				l.waitAcks(t, 200, 30*time.Second, "writes acknowledged before the signal")

				signalled := time.Now()
				err := srv.Signal(t, sig, 30*time.Second)
				exitedAfter := time.Since(signalled)
				drained := l.acksSince(signalled)
				switch sig {
				case syscall.SIGKILL:
					var exit *exec.ExitError
					if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
						t.Fatalf("after SIGKILL the server exited with %v, not killed by the signal", err)
					}
				case syscall.SIGTERM:
					if err != nil {
						t.Fatalf("after SIGTERM the server exited with %v, not cleanly", err)
					}
					// Requests accepted before the listener closed are answered, not cut.
					if drained == 0 {
						t.Error("no request in flight at SIGTERM was answered: the server did not drain")
					}
				}
				t.Logf("%v: exited %s after the signal; %d answers 2xx after the signal", sig, exitedAfter.Round(time.Millisecond), drained)

				restarted := startServer(t, db, mode)
				base.Store(&restarted.Base)
				l.waitAcks(t, 200, 30*time.Second, "writes acknowledged by the restarted server")
				ld.stop()
				verifyNothingLost(t, db, l)
			})
		}
	}
}

// TestPostgresKilled crashes a durable PostgreSQL (fsync, synchronous_commit and
// full_page_writes on) with SIGKILL of every one of its processes while the server is
// under load, for both engines, and restarts it, so that it recovers from its WAL. The
// server must not be restarted: it must serve again by itself, and every write it
// acknowledged, before the crash, during it or after, must be in the database.
func TestPostgresKilled(t *testing.T) {
	for _, mode := range engines {
		t.Run(mode, func(t *testing.T) {
			cluster := pgtest.StartDurableCluster(t)
			db := cluster.NewDatabase(t)
			srv := startServer(t, db, mode)
			l := newLedger()
			ld := startLoad(t, func() string { return srv.Base }, l)
			l.waitAcks(t, 200, 30*time.Second, "writes acknowledged before the crash")

			killed := time.Now()
			n, err := cluster.Kill()
			if err != nil {
				t.Fatal(err)
			}
			atKill := l.acks()
			// Let the load meet the dead database for a while: those requests must fail,
			// not be acknowledged.
			time.Sleep(time.Second)
			duringOutage := l.acks() - atKill
			if err := cluster.Start(); err != nil {
				t.Fatalf("restart after the crash (crash recovery): %v", err)
			}
			restarted := time.Now()
			l.waitAcks(t, 200, 60*time.Second, "writes acknowledged after the database came back")
			t.Logf("killed %d PostgreSQL processes %s into the load; %d writes acknowledged before, %d in the second after the kill (committed before it), %d after recovery; serving again within %s of the restart",
				n, killed.Sub(l.firstAck()).Round(time.Millisecond), atKill, duringOutage, l.acksSince(restarted), time.Since(restarted).Round(time.Millisecond))
			ld.stop()
			select {
			case <-srv.Exited():
				t.Fatalf("the server exited during the database crash: %v", srv.Err())
			default:
			}
			verifyNothingLost(t, db, l)
		})
	}
}
