package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/interviewapi/operator/internal/store"
	"github.com/interviewapi/operator/test/pgtest"
)

func TestProber(t *testing.T) {
	ctx := context.Background()
	p, err := store.NewProber(pgtest.NewDatabase(t), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for i := 0; i < 2; i++ { // the second ping reuses the probe's connection
		if err := p.Ping(ctx); err != nil {
			t.Fatalf("ping %d: %v", i, err)
		}
	}

	down, err := store.NewProber("postgres://postgres@127.0.0.1:1/none?sslmode=disable", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	if err := down.Ping(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("ping of a closed port: %v, want ErrUnavailable", err)
	}
}
