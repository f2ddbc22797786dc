// Package pgtest gives tests a real PostgreSQL: a fresh database per test inside the
// cluster named by TEST_DATABASE_URL, or a private throwaway cluster that a test may stop
// and start again (for outage tests). Clusters are started by hack/postgres.sh so that
// tests, benchmarks and the demo share one way of running Postgres.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable that points tests at a running cluster.
const EnvURL = "TEST_DATABASE_URL"

// Main runs a package's tests with TEST_DATABASE_URL set: when the caller did not set
// it, a throwaway cluster is started for the run and stopped after it. Use it from
// TestMain: `func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }`.
func Main(m *testing.M) int {
	if os.Getenv(EnvURL) != "" {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "interviewapi-pg-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	c := &Cluster{Dir: dir}
	if err := c.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	defer c.Stop() //nolint:errcheck // best effort at the end of the run
	os.Setenv(EnvURL, c.URL)
	return m.Run()
}

// NewDatabase creates an empty database in the test cluster and returns its URL. The
// database is dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Fatalf("%s is not set: run the tests with `make test`, call pgtest.Main from TestMain, "+
			"or start a cluster with `hack/postgres.sh start /tmp/pg` and export %s=$(hack/postgres.sh url /tmp/pg)", EnvURL, EnvURL)
	}
	return createDatabase(t, base)
}

func createDatabase(t testing.TB, base string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to test cluster %s: %v", base, err)
	}
	defer conn.Close(ctx)
	name := "t_" + randomHex(6)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return // the cluster is gone with the test; nothing to clean
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Cluster is a private PostgreSQL cluster in Dir, run by hack/postgres.sh.
type Cluster struct {
	Dir string
	URL string // postgres://… of the cluster's default database, set by Start
	// Durable starts the cluster with fsync, synchronous_commit and full_page_writes on
	// (PG_DURABLE=1 of hack/postgres.sh) instead of the fast throwaway settings.
	Durable bool
}

// StartCluster starts a private cluster for one test and stops it when the test ends.
// Use it where the test needs to stop the database itself.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	c := &Cluster{Dir: t.TempDir()}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// StartDurableCluster is StartCluster with the durable settings (Cluster.Durable), for
// tests that crash the database and check that every committed write survives.
func StartDurableCluster(t testing.TB) *Cluster {
	t.Helper()
	c := &Cluster{Dir: t.TempDir(), Durable: true}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// Start starts (or restarts, on the same port and data) the cluster.
func (c *Cluster) Start() error {
	out, err := c.script("start")
	if err != nil {
		return err
	}
	c.URL = out
	return nil
}

// Stop stops the cluster with a fast shutdown: open connections are terminated.
func (c *Cluster) Stop() error {
	_, err := c.script("stop")
	return err
}

// NewDatabase creates an empty database in this cluster, dropped when the test ends.
func (c *Cluster) NewDatabase(t testing.TB) string {
	t.Helper()
	return createDatabase(t, c.URL)
}

// Script returns the path of hack/postgres.sh in this repository.
func Script() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "hack", "postgres.sh")
}

func (c *Cluster) script(verb string) (string, error) {
	var env []string
	if c.Durable {
		env = append(env, "PG_DURABLE=1")
	}
	return script(env, verb, c.Dir)
}

func script(env []string, args ...string) (string, error) {
	cmd := exec.Command(Script(), args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("hack/postgres.sh %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
