package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// An entry is the directory NAME-KEY in the cache:
//
//	out/      the files the command wrote into {out}, read-only, installed as they are
//	key       the key's text (what it was built from), for people
//	complete  one "SIZE PATH" line per file of out/, written last
//
// An entry is built in a private staging directory beside it and renamed into place
// whole, so that no one ever reads a half-written entry; an entry without its marker,
// or whose files do not match it, is removed and built again. Builds of one key take
// the lock file .lock-NAME-KEY in turn.
const (
	outDir        = "out"
	keyFile       = "key"
	completeFile  = "complete"
	stagingPrefix = ".staging-"
	trashPrefix   = ".trash-"
	lockPrefix    = ".lock-"
	// Staging directories of a build that crashed are removed after this long (a
	// first kube-apiserver build takes minutes, never a day).
	staleAfter = 24 * time.Hour
)

// request is one tool rule's call.
type request struct {
	cache, name, dir, dest string
	inputs, goCmd, command []string
	// logf receives the progress lines; nil prints to the writer given to run.
	logf func(format string, args ...any)
}

type record struct {
	path string // relative to out/, slash-separated
	size int64
}

func (r request) run(w io.Writer, now func() time.Time) error {
	if r.logf == nil {
		r.logf = func(format string, args ...any) { fmt.Fprintf(w, "toolcache: "+format+"\n", args...) }
	}
	if err := r.validate(); err != nil {
		return err
	}
	var err error
	if r.cache, err = filepath.Abs(r.cache); err != nil {
		return err
	}
	if r.dest, err = filepath.Abs(r.dest); err != nil {
		return err
	}
	k, err := readKeyInput(r.name, r.dir, r.inputs, r.command, r.goCmd)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(r.cache, 0o755); err != nil {
		return err
	}
	sweep(r.cache, now())
	entry := filepath.Join(r.cache, r.name+"-"+k.key())
	files, err := readEntry(entry)
	if err != nil {
		// One build of a key at a time: a second make (another worktree) waits for the
		// first's entry instead of linking the same programs beside it.
		unlock, lerr := lockFile(filepath.Join(r.cache, lockPrefix+filepath.Base(entry)), func() {
			r.logf("%s: waiting for another build of the same key to finish", r.name)
		})
		if lerr != nil {
			return fmt.Errorf("locking %s: %w", entry, lerr)
		}
		defer unlock()
		files, err = readEntry(entry)
	}
	switch {
	case err == nil:
		r.logf("%s from the cache: %s", r.name, r.installing(entry, files))
	case errors.Is(err, fs.ErrNotExist):
		r.logf("%s: building (not in the cache; it will be %s): %s", r.name, entry, strings.Join(r.command, " "))
		if files, err = r.build(k, entry, now); err != nil {
			return err
		}
	default:
		r.logf("%s: rebuilding, the cached entry is unusable: %v", r.name, err)
		discard(entry)
		if files, err = r.build(k, entry, now); err != nil {
			return err
		}
	}
	return install(entry, files, r.dest, now())
}

func (r request) validate() error {
	switch {
	case r.name == "" || strings.ContainsAny(r.name, `/\`) || strings.HasPrefix(r.name, "."):
		return fmt.Errorf("-name %q: want a plain name such as etcd", r.name)
	case r.dest == "":
		return errors.New("-dest is empty")
	case len(r.command) == 0:
		return errors.New("no command after --")
	}
	for _, a := range r.command {
		if strings.Contains(a, "{out}") {
			return nil
		}
	}
	return fmt.Errorf("the command never names {out}, where it must write: %s", strings.Join(r.command, " "))
}

func (r request) installing(entry string, files []record) string {
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, f.path)
	}
	list := strings.Join(names, ", ")
	if len(names) > 4 {
		list = fmt.Sprintf("%d files", len(names))
	}
	return fmt.Sprintf("%s → %s (%s)", list, r.dest, entry)
}

// build runs the command into a staging directory and renames it to entry.
func (r request) build(k keyInput, entry string, now func() time.Time) ([]record, error) {
	stage, err := os.MkdirTemp(r.cache, stagingPrefix+filepath.Base(entry)+"-")
	if err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			_ = os.RemoveAll(stage)
		}
	}()
	out := filepath.Join(stage, outDir)
	if err := os.Mkdir(out, 0o755); err != nil {
		return nil, err
	}
	args := make([]string, len(r.command))
	for i, a := range r.command {
		args[i] = strings.ReplaceAll(a, "{out}", out)
	}
	start := now()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = r.dir
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("building %s: %w", r.name, err)
	}
	files, err := seal(out)
	if err != nil {
		return nil, fmt.Errorf("building %s: %w", r.name, err)
	}
	if err := os.WriteFile(filepath.Join(stage, keyFile), []byte(k.text()), 0o444); err != nil {
		return nil, err
	}
	var m strings.Builder
	for _, f := range files {
		fmt.Fprintf(&m, "%d %s\n", f.size, f.path)
	}
	if err := os.WriteFile(filepath.Join(stage, completeFile), []byte(m.String()), 0o444); err != nil {
		return nil, err
	}
	took := now().Sub(start).Round(time.Second)
	for attempt := 0; ; attempt++ {
		err := os.Rename(stage, entry)
		if err == nil {
			committed = true
			r.logf("%s built in %s: %s", r.name, took, r.installing(entry, files))
			return files, nil
		}
		// Another build of the same key renamed its entry first: use that one.
		if theirs, rerr := readEntry(entry); rerr == nil {
			r.logf("%s built in %s, but a build of the same key beside it was cached first: %s", r.name, took, r.installing(entry, theirs))
			return theirs, nil
		} else if errors.Is(rerr, fs.ErrNotExist) || attempt > 0 {
			return nil, fmt.Errorf("caching %s: %w", r.name, err)
		}
		discard(entry)
	}
}

// seal lists the regular files under out and makes them read-only: they will be
// hard-linked into bin/ directories, and an edit in place there would change the cache.
func seal(out string) ([]record, error) {
	var files []record
	err := filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file (%s)", path, info.Mode().Type())
		}
		rel, err := filepath.Rel(out, path)
		if err != nil {
			return err
		}
		files = append(files, record{path: filepath.ToSlash(rel), size: info.Size()})
		return os.Chmod(path, info.Mode().Perm()&^0o222)
	})
	if err == nil && len(files) == 0 {
		err = errors.New("the command wrote nothing into {out}")
	}
	return files, err
}

// readEntry returns the files of a complete entry; fs.ErrNotExist when there is none.
func readEntry(entry string) ([]record, error) {
	f, err := os.Open(filepath.Join(entry, completeFile))
	if err != nil {
		if _, serr := os.Stat(entry); errors.Is(err, fs.ErrNotExist) && serr == nil {
			return nil, fmt.Errorf("%s has no completion marker (%s)", entry, completeFile)
		}
		return nil, err
	}
	defer f.Close()
	var files []record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		size, path, ok := strings.Cut(sc.Text(), " ")
		n, err := strconv.ParseInt(size, 10, 64)
		if !ok || err != nil || path == "" {
			return nil, fmt.Errorf("%s: malformed line %q", filepath.Join(entry, completeFile), sc.Text())
		}
		info, err := os.Stat(filepath.Join(entry, outDir, filepath.FromSlash(path)))
		if err != nil {
			return nil, fmt.Errorf("%s: a file the marker lists is unreadable: %v", entry, err) // %v: the entry exists
		}
		if !info.Mode().IsRegular() || info.Size() != n {
			return nil, fmt.Errorf("%s: %s is %d bytes, the marker says %d", entry, path, info.Size(), n)
		}
		files = append(files, record{path: path, size: n})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: the completion marker lists no file", entry)
	}
	return files, nil
}

// discard renames an unusable entry out of the way first, so that a concurrent
// reader never sees it half-removed, then removes it.
func discard(entry string) {
	trash, err := os.MkdirTemp(filepath.Dir(entry), trashPrefix+filepath.Base(entry)+"-")
	if err != nil {
		return
	}
	_ = os.Rename(entry, filepath.Join(trash, "entry")) // gone already: nothing to remove
	_ = os.RemoveAll(trash)
}

// sweep removes what crashed runs left, staging and trash directories, and lock files
// of older keys, once older than staleAfter.
func sweep(cache string, now time.Time) {
	dirents, err := os.ReadDir(cache)
	if err != nil {
		return
	}
	for _, d := range dirents {
		if !strings.HasPrefix(d.Name(), stagingPrefix) && !strings.HasPrefix(d.Name(), trashPrefix) && !strings.HasPrefix(d.Name(), lockPrefix) {
			continue
		}
		if info, err := d.Info(); err == nil && now.Sub(info.ModTime()) > staleAfter {
			_ = os.RemoveAll(filepath.Join(cache, d.Name()))
		}
	}
}
