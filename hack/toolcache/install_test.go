package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The path install takes when dest is on another filesystem than the cache.
func TestCopyFileKeepsContentAndMode(t *testing.T) {
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "tool"), filepath.Join(dir, "copy")
	if err := os.WriteFile(src, []byte("#!/bin/sh\n"), 0o555); err != nil {
		t.Fatal(err)
	}
	if err := copyFile(src, dst); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, dst); got != "#!/bin/sh\n" {
		t.Errorf("copy holds %q", got)
	}
	a, _ := os.Stat(src)
	b, _ := os.Stat(dst)
	if b.Mode().Perm() != 0o555 || os.SameFile(a, b) {
		t.Errorf("copy: mode %v, same file %v; want 0555 and a file of its own", b.Mode().Perm(), os.SameFile(a, b))
	}
	// It never writes into a file that is there (it could be another entry's link).
	if err := copyFile(src, dst); err == nil {
		t.Error("copyFile over an existing file succeeded")
	}
}
