package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixture is a tool module directory and a cache; its command stands for a go build:
// it writes tool (go.mod's content) and sub/data into {out} and counts its runs.
type fixture struct {
	t                *testing.T
	dir, cache, runs string
	logs             []string
	mu               sync.Mutex
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, dir: t.TempDir(), cache: filepath.Join(t.TempDir(), "tools")}
	f.runs = filepath.Join(t.TempDir(), "runs")
	f.writeGoMod("module example.com/tool\n\ngo 1.22\n")
	return f
}

func (f *fixture) writeGoMod(s string) {
	if err := os.WriteFile(filepath.Join(f.dir, "go.mod"), []byte(s), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) request(dest string, script string) request {
	return request{
		cache: f.cache, name: "tool", dir: f.dir, dest: dest,
		inputs: []string{"go.mod"}, goCmd: []string{"go"},
		command: []string{"sh", "-c", "echo run >> " + f.runs + "; " + script, "sh", "{out}"},
		logf: func(format string, args ...any) {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.logs = append(f.logs, fmt.Sprintf(format, args...))
		},
	}
}

const buildScript = `mkdir "$1/sub" && cat go.mod > "$1/tool" && echo data > "$1/sub/data"`

func (f *fixture) run(r request) {
	f.t.Helper()
	if err := r.run(os.Stdout, time.Now); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) builds() int {
	b, err := os.ReadFile(f.runs)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return strings.Count(string(b), "run\n")
}

func (f *fixture) lastLog() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.logs[len(f.logs)-1]
}

// entries lists the cache's entries and any staging or trash left; not lock files.
func (f *fixture) entries() []string {
	d, err := os.ReadDir(f.cache)
	if err != nil {
		f.t.Fatal(err)
	}
	var names []string
	for _, e := range d {
		if !strings.HasPrefix(e.Name(), lockPrefix) {
			names = append(names, e.Name())
		}
	}
	return names
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRunBuildsOnceThenInstallsFromTheCache(t *testing.T) {
	f := newFixture(t)
	first, second := t.TempDir(), filepath.Join(t.TempDir(), "bin")
	f.run(f.request(first, buildScript))
	if !strings.Contains(f.lastLog(), "built in") {
		t.Errorf("first run logged %q, want a build", f.lastLog())
	}
	f.run(f.request(second, buildScript))
	if f.builds() != 1 {
		t.Fatalf("the command ran %d times for one key, want 1", f.builds())
	}
	if !strings.Contains(f.lastLog(), "from the cache") {
		t.Errorf("second run logged %q, want from the cache", f.lastLog())
	}
	for _, dest := range []string{first, second} {
		if got := readString(t, filepath.Join(dest, "tool")); !strings.HasPrefix(got, "module example.com/tool") {
			t.Errorf("%s/tool = %q", dest, got)
		}
		if got := readString(t, filepath.Join(dest, "sub", "data")); got != "data\n" {
			t.Errorf("%s/sub/data = %q", dest, got)
		}
	}
	// Same filesystem: both are links of the one cached file, which is read-only.
	a, _ := os.Stat(filepath.Join(first, "tool"))
	b, _ := os.Stat(filepath.Join(second, "tool"))
	if !os.SameFile(a, b) {
		t.Error("the two installs are not hard links of the cached file")
	}
	if a.Mode().Perm()&0o222 != 0 {
		t.Errorf("cached file mode %v, want read-only", a.Mode())
	}
	if got := f.entries(); len(got) != 1 || !strings.HasPrefix(got[0], "tool-") {
		t.Errorf("cache holds %v, want one entry tool-KEY", got)
	}
}

func TestRunRebuildsOnlyForAChangedInput(t *testing.T) {
	f := newFixture(t)
	dest := t.TempDir()
	f.run(f.request(dest, buildScript))
	old := filepath.Join(f.cache, f.entries()[0], outDir, "tool")
	f.writeGoMod("module example.com/tool\n\ngo 1.22\n\nrequire example.com/y v1.0.0\n")
	f.run(f.request(dest, buildScript))
	if f.builds() != 2 {
		t.Fatalf("the command ran %d times for two go.mod contents, want 2", f.builds())
	}
	if got := readString(t, filepath.Join(dest, "tool")); !strings.Contains(got, "require example.com/y") {
		t.Errorf("dest/tool = %q, want the new build", got)
	}
	// The new file replaced the link; the old entry's file was not written through it.
	if got := readString(t, old); strings.Contains(got, "require") {
		t.Errorf("the first entry's file changed to %q", got)
	}
	if n := len(f.entries()); n != 2 {
		t.Errorf("cache holds %d entries, want 2", n)
	}
}

func TestRunRebuildsAnUnusableEntry(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, entry string)
	}{
		{"no completion marker", func(t *testing.T, entry string) {
			if err := os.Remove(filepath.Join(entry, completeFile)); err != nil {
				t.Fatal(err)
			}
		}},
		{"a file missing", func(t *testing.T, entry string) {
			if err := os.Remove(filepath.Join(entry, outDir, "sub", "data")); err != nil {
				t.Fatal(err)
			}
		}},
		{"a file truncated", func(t *testing.T, entry string) {
			if err := os.Truncate(filepath.Join(entry, outDir, "tool"), 3); err != nil {
				t.Fatal(err)
			}
		}},
		{"a malformed marker", func(t *testing.T, entry string) {
			path := filepath.Join(entry, completeFile)
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte("tool\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			dest := t.TempDir()
			f.run(f.request(dest, buildScript))
			entry := filepath.Join(f.cache, f.entries()[0])
			tt.damage(t, entry)
			f.run(f.request(dest, buildScript))
			if f.builds() != 2 {
				t.Fatalf("the command ran %d times, want a rebuild", f.builds())
			}
			if _, err := readEntry(entry); err != nil {
				t.Errorf("the rebuilt entry: %v", err)
			}
			if got := f.entries(); len(got) != 1 {
				t.Errorf("cache holds %v, want the one rebuilt entry", got)
			}
			if got := readString(t, filepath.Join(dest, "sub", "data")); got != "data\n" {
				t.Errorf("dest/sub/data = %q", got)
			}
		})
	}
}

func TestRunAFailedBuildLeavesNothing(t *testing.T) {
	tests := []struct{ name, script string }{
		{"the command fails", `echo half > "$1/tool"; exit 3`},
		{"the command writes nothing", `true`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			dest := t.TempDir()
			if err := f.request(dest, tt.script).run(os.Stdout, time.Now); err == nil {
				t.Fatal("run succeeded")
			}
			if got := f.entries(); len(got) != 0 {
				t.Errorf("cache holds %v after a failed build, want nothing", got)
			}
			if d, _ := os.ReadDir(dest); len(d) != 0 {
				t.Errorf("dest holds %d files after a failed build", len(d))
			}
		})
	}
}

// Builds of one key at once (two worktrees, two make runs): one builds, the others
// wait for its entry, every one installs a complete copy, and the cache ends with one
// entry, its lock file and no staging directory.
func TestRunConcurrentBuildsOfOneKey(t *testing.T) {
	f := newFixture(t)
	const n = 3
	dests := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range dests {
		dests[i] = t.TempDir()
		r := f.request(dests[i], `sleep 0.3; `+buildScript)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.run(os.Stdout, time.Now)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if got := readString(t, filepath.Join(dests[i], "sub", "data")); got != "data\n" {
			t.Errorf("run %d: sub/data = %q", i, got)
		}
	}
	if f.builds() != 1 {
		t.Errorf("the command ran %d times for %d runs of one key, want 1", f.builds(), n)
	}
	got := f.entries()
	if len(got) != 1 || !strings.HasPrefix(got[0], "tool-") {
		t.Errorf("cache holds %v, want one entry", got)
	}
}

func TestRunWaitsForTheBuildHoldingTheKey(t *testing.T) {
	f := newFixture(t)
	dest := t.TempDir()
	r := f.request(dest, buildScript)
	k, err := readKeyInput(r.name, r.dir, r.inputs, r.command, r.goCmd)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(f.cache, 0o755); err != nil {
		t.Fatal(err)
	}
	unlock, err := lockFile(filepath.Join(f.cache, lockPrefix+"tool-"+k.key()), func() { t.Error("the lock was taken") })
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- r.run(os.Stdout, time.Now) }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		f.mu.Lock()
		waiting := len(f.logs) > 0 && strings.Contains(f.logs[0], "waiting for another build")
		f.mu.Unlock()
		if waiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no waiting line in 30 s while the key was locked: %q", f.logs)
		}
	}
	if f.builds() != 0 {
		t.Fatal("the command ran while another build held the key")
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if f.builds() != 1 {
		t.Errorf("the command ran %d times, want 1", f.builds())
	}
}

func TestRunRejectsBadRequests(t *testing.T) {
	f := newFixture(t)
	good := f.request(t.TempDir(), buildScript)
	tests := []struct {
		name   string
		change func(r *request)
		want   string
	}{
		{"no name", func(r *request) { r.name = "" }, "-name"},
		{"a path as name", func(r *request) { r.name = "../x" }, "-name"},
		{"no dest", func(r *request) { r.dest = "" }, "-dest"},
		{"no command", func(r *request) { r.command = nil }, "no command"},
		{"no {out}", func(r *request) { r.command = []string{"true"} }, "{out}"},
		{"a missing input", func(r *request) { r.inputs = []string{"go.sum"} }, "go.sum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := good
			tt.change(&r)
			err := r.run(os.Stdout, time.Now)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one naming %q", err, tt.want)
			}
		})
	}
}

func TestSweepRemovesOnlyStaleLeftovers(t *testing.T) {
	cache := t.TempDir()
	for _, d := range []string{".staging-old", ".trash-old", ".staging-new", "tool-abc"} {
		if err := os.Mkdir(filepath.Join(cache, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleAfter)
	for _, d := range []string{".staging-old", ".trash-old", "tool-abc"} {
		if err := os.Chtimes(filepath.Join(cache, d), old, old); err != nil {
			t.Fatal(err)
		}
	}
	sweep(cache, time.Now())
	d, _ := os.ReadDir(cache)
	var got []string
	for _, e := range d {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != ".staging-new tool-abc" {
		t.Errorf("after sweep: %v, want .staging-new tool-abc", got)
	}
}
