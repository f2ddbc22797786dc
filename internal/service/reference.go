package service

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/interviewapi/operator/internal/jd"
	"github.com/interviewapi/operator/internal/store"
)

// ReferenceCheckInterval is how long the cached reference data is used before the
// schema's migration version is read again. The skills taxonomy and the question bank
// change only with migrations (internal/store/migrations), and a migration changes
// the version in the same transaction as the data: so data loaded at version v is
// exact as long as the schema is at v. This server migrates before it serves, so a
// change can only come from a newer server version migrating the shared database
// during a rollout; this server then serves the previous taxonomy and bank for at
// most this long. Checking costs one small query (SQLSchemaVersion) per interval.
const ReferenceCheckInterval = 10 * time.Second

// reference is the taxonomy and the bank of one schema version. It is never modified
// once loaded.
type reference struct {
	version  int64
	taxonomy *jd.Taxonomy
	bank     *store.Bank
	aliases  int
}

// referenceCache holds the current reference data and when its version was last
// confirmed. One request at a time loads or checks (load); the others keep using
// the current data meanwhile, or wait for the first load.
type referenceCache struct {
	now     func() time.Time
	current atomic.Pointer[reference]
	checked atomic.Int64 // time.Time.UnixNano of the last load or confirmation
	load    chan struct{}
}

func newReferenceCache(now func() time.Time) *referenceCache {
	return &referenceCache{now: now, load: make(chan struct{}, 1)}
}

func (c *referenceCache) fresh() (*reference, bool) {
	r := c.current.Load()
	return r, r != nil && c.now().Sub(time.Unix(0, c.checked.Load())) < ReferenceCheckInterval
}

// LoadReferenceData loads the taxonomy and the bank if they are not loaded yet.
// Requests load them on demand; calling it once the schema is migrated saves the
// first request the wait.
func (s *Service) LoadReferenceData(ctx context.Context) error {
	_, err := s.referenceData(ctx)
	return err
}

// referenceData returns the taxonomy and bank, loading them on first use and again
// when the schema's version has changed (checked every ReferenceCheckInterval).
func (s *Service) referenceData(ctx context.Context) (*reference, error) {
	c := s.ref
	r, fresh := c.fresh()
	if fresh {
		return r, nil
	}
	if r != nil {
		select {
		case c.load <- struct{}{}:
		default:
			return r, nil // another request is checking; this one needs no wait
		}
	} else {
		select {
		case c.load <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	defer func() { <-c.load }()
	if r, fresh = c.fresh(); fresh {
		return r, nil
	}
	version, err := s.store.SchemaVersion(ctx)
	switch {
	case err != nil && r != nil:
		// The data cannot be older than the last confirmed version; keep serving it
		// and check again with the next request.
		s.log.Warn("schema version not read; the reference data stays as loaded", "version", r.version, "error", err)
		return r, nil
	case err != nil:
		return nil, fmt.Errorf("load reference data: %w", err)
	case r != nil && r.version == version:
		c.checked.Store(c.now().UnixNano())
		return r, nil
	}
	loaded, err := s.loadReference(ctx, version)
	if err != nil {
		if r != nil {
			s.log.Warn("reference data of the new schema version not loaded; the previous stays", "version", r.version, "new_version", version, "error", err)
			return r, nil
		}
		return nil, err
	}
	c.current.Store(loaded)
	c.checked.Store(c.now().UnixNano())
	previous := int64(0)
	if r != nil {
		previous = r.version
	}
	s.log.Info("reference data loaded", "schema_version", version, "previous_version", previous,
		"aliases", loaded.aliases, "questions", loaded.bank.Len())
	return loaded, nil
}

// errVersionMoved is a migration that committed while the reference data was read.
var errVersionMoved = errors.New("the schema version changed while the reference data was read")

// loadReference reads the taxonomy and the bank, and the version again: the reads are
// separate statements (the async engine may run them on different connections), so a
// migration may commit between them, in which case they are read again.
func (s *Service) loadReference(ctx context.Context, version int64) (*reference, error) {
	for attempt := 0; attempt < 3; attempt++ {
		aliases, err := s.store.SkillAliases(ctx)
		if err != nil {
			return nil, fmt.Errorf("load skills taxonomy: %w", err)
		}
		bank, err := s.store.Bank(ctx)
		if err != nil {
			return nil, fmt.Errorf("load question bank: %w", err)
		}
		after, err := s.store.SchemaVersion(ctx)
		if err != nil {
			return nil, fmt.Errorf("load reference data: %w", err)
		}
		if after != version {
			version = after
			continue
		}
		m := make(map[string]jd.SkillRef, len(aliases))
		for _, a := range aliases {
			m[a.Alias] = jd.SkillRef{ID: a.SkillID, Name: a.SkillName}
		}
		return &reference{version: version, taxonomy: jd.NewTaxonomy(m), bank: bank, aliases: len(aliases)}, nil
	}
	return nil, fmt.Errorf("load reference data: %w", errVersionMoved)
}
