package store_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/interviewapi/operator/internal/store"
)

func TestClassify(t *testing.T) {
	plain := errors.New("syntax error")
	tests := []struct {
		name       string
		err        error
		connClosed bool
		want       error // errors.Is target; nil: passed through unchanged
	}{
		{"nil", nil, false, nil},
		{"not found stays", store.SessionNotFound("x"), false, store.ErrNotFound},
		{"pool timeout stays", fmt.Errorf("%w (1s)", store.ErrPoolTimeout), false, store.ErrPoolTimeout},
		{"caller canceled", fmt.Errorf("query: %w", context.Canceled), true, context.Canceled},
		{"connection refused", &pgconn.ConnectError{}, false, store.ErrUnavailable},
		{"refused syscall", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), false, store.ErrUnavailable},
		{"eof", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), false, store.ErrUnavailable},
		{"bad conn", driver.ErrBadConn, false, store.ErrUnavailable},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, false, store.ErrUnavailable},
		{"too many connections", &pgconn.PgError{Code: "53300"}, false, store.ErrUnavailable},
		{"connection closed under us", plain, true, store.ErrUnavailable},
		{"foreign key", &pgconn.PgError{Code: "23503", Detail: "Key is not present"}, false, store.ErrNotFound},
		{"statement error", &pgconn.PgError{Code: "42601"}, false, nil},
		{"other", plain, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := store.Classify(tt.err, tt.connClosed)
			if tt.want == nil {
				if got != tt.err {
					t.Errorf("Classify(%v) = %v, want it unchanged", tt.err, got)
				}
				return
			}
			if !errors.Is(got, tt.want) {
				t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
