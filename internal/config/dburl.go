package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// sqlalchemySchemes are the SQLAlchemy dialect+driver schemes the seed's deployments
// use; they name the same PostgreSQL server as postgres://.
var sqlalchemySchemes = map[string]bool{
	"postgresql+asyncpg":  true,
	"postgresql+psycopg2": true,
	"postgresql+psycopg":  true,
}

// NormalizeDatabaseURL accepts postgres://, postgresql:// and the seed's SQLAlchemy
// forms (postgresql+asyncpg://…) and returns a postgres:// URL that pgx understands.
// asyncpg's "ssl" query parameter becomes libpq's "sslmode". The URL is parsed but no
// connection is made, so a database that is down does not fail the configuration.
func NormalizeDatabaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url's error repeats the URL, password included; keep only its reason.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return "", fmt.Errorf("not a URL: %v", err)
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "postgres" || scheme == "postgresql":
	case sqlalchemySchemes[scheme]:
		q := u.Query()
		if ssl := q.Get("ssl"); ssl != "" && q.Get("sslmode") == "" {
			q.Set("sslmode", ssl)
		}
		q.Del("ssl")
		u.RawQuery = q.Encode()
	default:
		return "", fmt.Errorf("scheme %q not supported: want postgres://, postgresql:// or postgresql+asyncpg://", u.Scheme)
	}
	u.Scheme = "postgres"
	out := u.String()
	if _, err := pgx.ParseConfig(out); err != nil {
		return "", fmt.Errorf("invalid connection URL: %v", err)
	}
	return out, nil
}

// checkHTTPURL checks that raw is an absolute http(s) URL.
func checkHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want an absolute http:// or https:// URL, got %q", raw)
	}
	return nil
}
