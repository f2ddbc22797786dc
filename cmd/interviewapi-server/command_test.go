package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/interviewapi/operator/test/pgtest"
)

func execute(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd := newCommand(env, &out, &errOut)
	cmd.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = cmd.ExecuteContext(ctx)
	return out.String(), errOut.String(), err
}

func TestVersion(t *testing.T) {
	out, _, err := execute(t, map[string]string{}, "--version")
	if err != nil || !strings.HasPrefix(out, "interviewapi-server ") {
		t.Fatalf("--version printed %q, %v", out, err)
	}
}

func TestBadConfigurationNamesTheVariable(t *testing.T) {
	tests := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{}, nil, "DATABASE_URL: required but not set"},
		{map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1/db", "ASYNC_DATABASE_POOL_TIMEOUT": "forever"}, nil, "ASYNC_DATABASE_POOL_TIMEOUT:"},
		{map[string]string{}, []string{"migrate"}, "DATABASE_URL: required but not set"},
	}
	for _, tt := range tests {
		_, _, err := execute(t, tt.env, tt.args...)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v %v: error %v, want one line starting %q", tt.env, tt.args, err, tt.want)
		}
	}
}

func TestMigrateCommand(t *testing.T) {
	url := pgtest.NewDatabase(t)
	// The seed's SQLAlchemy scheme is accepted as it is.
	seedURL := strings.Replace(url, "postgres://", "postgresql+asyncpg://", 1)
	if _, _, err := execute(t, map[string]string{"DATABASE_URL": seedURL}, "migrate"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var questions int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM questions").Scan(&questions); err != nil || questions < 300 {
		t.Fatalf("after migrate: %d questions in the bank (%v), want the seed's 300 or more", questions, err)
	}
}
