package framework

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The Secret an instance reads its database URL from (config/samples' names).
const (
	DatabaseSecret    = "interview-db"
	DatabaseSecretKey = "url"
)

// CreateDatabase creates (or empties) database name on the server of adminURL and
// returns its URL. Instances with databases of their own can run side by side, and
// what one wrote can be checked without the others' rows.
func CreateDatabase(ctx context.Context, adminURL, name string) (string, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", redact(adminURL), err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{name}.Sanitize()
	for _, stmt := range []string{"DROP DATABASE IF EXISTS " + ident + " WITH (FORCE)", "CREATE DATABASE " + ident} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return "", fmt.Errorf("%s: %w", stmt, err)
		}
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", fmt.Errorf("database URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// SlowInserts makes every row inserted into table of the database at databaseURL take
// delay longer, inside the inserting transaction: a BEFORE INSERT trigger sleeps. It
// stands for a database that answers slowly (one across a network, or busy with other
// clients), where a request holds its connection for longer than it uses a CPU: that
// wait, not the CPU, is what starves a small pool. On this machine's two cores a pool
// of one connection is otherwise bounded by the CPU before its connection.
func SlowInserts(ctx context.Context, databaseURL, table string, delay time.Duration) error {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", redact(databaseURL), err)
	}
	defer conn.Close(ctx)
	seconds := strconv.FormatFloat(delay.Seconds(), 'f', -1, 64)
	for _, stmt := range []string{
		`CREATE OR REPLACE FUNCTION e2e_slow_insert() RETURNS trigger LANGUAGE plpgsql AS
		 $$ BEGIN PERFORM pg_sleep(TG_ARGV[0]::float8); RETURN NEW; END $$`,
		"CREATE OR REPLACE TRIGGER e2e_slow_insert BEFORE INSERT ON " + pgx.Identifier{table}.Sanitize() +
			" FOR EACH ROW EXECUTE FUNCTION e2e_slow_insert(" + seconds + ")",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("slow the inserts into %s: %s: %w", table, stmt, err)
		}
	}
	return nil
}

// Connections counts the sessions PostgreSQL's pg_stat_activity shows on database
// name (of the server of adminURL), the connection this query comes over excluded: what
// an instance's pods hold open.
func Connections(ctx context.Context, adminURL, name string) (int, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return 0, fmt.Errorf("connect to %s: %w", redact(adminURL), err)
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count the connections to %s: %w", name, err)
	}
	return n, nil
}

// MissingAnalyses returns the answer analyses among ids that the database does not
// hold.
func MissingAnalyses(ctx context.Context, databaseURL string, ids []string) ([]string, error) {
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", redact(databaseURL), err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx,
		`SELECT w.want FROM unnest($1::text[]) AS w(want)
		 WHERE NOT EXISTS (SELECT 1 FROM answer_analyses a WHERE a.id = w.want::uuid)`, ids)
	if err != nil {
		return nil, fmt.Errorf("look the analyses up: %w", err)
	}
	missing, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("look the analyses up: %w", err)
	}
	return missing, nil
}

// WriteDatabaseSecret writes the Secret an instance reads its database URL from.
func WriteDatabaseSecret(ctx context.Context, c client.Client, namespace, databaseURL string) error {
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: DatabaseSecret},
		Type:       corev1.SecretTypeOpaque,
		StringData: map[string]string{DatabaseSecretKey: databaseURL},
	}
	err := c.Create(ctx, s)
	if apierrors.IsAlreadyExists(err) {
		err = c.Update(ctx, s)
	}
	if err != nil {
		return fmt.Errorf("write Secret %s/%s: %w", namespace, DatabaseSecret, err)
	}
	return nil
}

// redact hides a URL's password in messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
