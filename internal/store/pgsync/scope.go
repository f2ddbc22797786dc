package pgsync

import (
	"context"
	"database/sql"
	"sync"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/interviewapi/operator/internal/store"
)

// session is a checked-out connection with the type map of its pgx connection, used to
// scan PostgreSQL arrays through database/sql. The map belongs to the connection, which
// only one goroutine uses at a time, so no map is shared between requests.
type session struct {
	conn  *sql.Conn
	types *pgtype.Map
}

// array is the session's store.TextArray.
func (sess *session) array(p *[]string) any { return sess.types.SQLScanner(p) }

// scope is one request's hold on a connection.
type scope struct {
	owner *Store
	mu    sync.Mutex
	sess  *session
	ended bool
}

type scopeKey struct{}

// BeginRequest implements store.Store: the request's first statement checks a connection
// out, and release returns it.
func (s *Store) BeginRequest(ctx context.Context) (context.Context, func(), error) {
	sc := &scope{owner: s}
	return context.WithValue(ctx, scopeKey{}, sc), sc.end, nil
}

func (sc *scope) end() {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.sess != nil {
		sc.owner.release(sc.sess.conn)
		sc.sess = nil
	}
	sc.ended = true
}

// session returns the connection to run statements on and a function to call when they
// are done: the request's connection when ctx carries a live scope of this store (checked
// out now if this is its first statement), else a connection for this call alone.
func (s *Store) session(ctx context.Context) (*session, func(), error) {
	if sc, ok := ctx.Value(scopeKey{}).(*scope); ok && sc.owner == s {
		sc.mu.Lock()
		defer sc.mu.Unlock()
		if !sc.ended {
			if sc.sess == nil {
				sess, err := s.checkout(ctx)
				if err != nil {
					return nil, nil, err
				}
				sc.sess = sess
			}
			return sc.sess, func() {}, nil
		}
	}
	sess, err := s.checkout(ctx)
	if err != nil {
		return nil, nil, err
	}
	return sess, func() { s.release(sess.conn) }, nil
}

func (s *Store) checkout(ctx context.Context) (*session, error) {
	conn, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	sess := &session{conn: conn}
	_ = conn.Raw(func(dc any) error {
		sess.types = dc.(*stdlib.Conn).Conn().TypeMap()
		return nil
	})
	return sess, nil
}

// run runs fn on a session and classifies its error.
func (s *Store) run(ctx context.Context, fn func(*session) error) error {
	sess, done, err := s.session(ctx)
	if err != nil {
		return err
	}
	err = fn(sess)
	closed := err != nil && connClosed(sess.conn)
	done()
	return store.Classify(err, closed)
}
