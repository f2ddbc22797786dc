package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"
)

// profiler fetches the server's CPU and allocation profiles over one phase through its
// --pprof-addr listener and writes them, with a text summary of each (`go tool pprof
// -top`), into dir. Profiles are for reading locally: never commit them.
type profiler struct {
	dir  string
	addr string // the server's --pprof-addr
}

// profileKinds are the profiles taken over a phase: net/http/pprof's delta profiles
// (?seconds=N), so each covers the phase alone.
var profileKinds = []struct{ name, path, sampleIndex string }{
	{"cpu", "/debug/pprof/profile", "cpu"},
	{"allocs", "/debug/pprof/allocs", "alloc_space"},
}

// start starts profiling for d (whole seconds, at least one) and returns a function
// that waits for the profiles and writes them as NAME.KIND.pb.gz and NAME.KIND.txt.
// A nil profiler takes no profile.
func (p *profiler) start(ctx context.Context, name string, d time.Duration) (wait func() error) {
	if p == nil {
		return func() error { return nil }
	}
	secs := max(1, int(d/time.Second))
	var wg sync.WaitGroup
	errs := make([]error, len(profileKinds))
	for i, k := range profileKinds {
		wg.Go(func() {
			errs[i] = p.fetch(ctx, fmt.Sprintf("http://%s%s?seconds=%d", p.addr, k.path, secs),
				filepath.Join(p.dir, name+"."+k.name), k.sampleIndex)
		})
	}
	return func() error {
		wg.Wait()
		return errors.Join(errs...)
	}
}

func (p *profiler) fetch(ctx context.Context, url, base, sampleIndex string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: &http.Transport{Proxy: nil}}).Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("profile %s: HTTP %d: %s", url, resp.StatusCode, body)
	}
	f, err := os.Create(base + ".pb.gz")
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("profile %s: %w", url, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=40",
		"-sample_index="+sampleIndex, base+".pb.gz").CombinedOutput()
	if err != nil {
		return fmt.Errorf("go tool pprof -top %s.pb.gz: %w\n%s", base, err, out)
	}
	return os.WriteFile(base+".txt", out, 0o644)
}
