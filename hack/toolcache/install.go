package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// install puts an entry's files into dest: a hard link when the cache and dest share a
// filesystem (no bytes copied, the cache's files are read-only), a copy otherwise.
// Each file is first made under a temporary name beside its destination and renamed
// over it, so that an older link is replaced, never written through, and a reader of
// dest never sees half a file. Its modification time is set to now, so that make
// sees it newer than the go.mod it was built from.
func install(entry string, files []record, dest string, now time.Time) error {
	for _, f := range files {
		src := filepath.Join(entry, outDir, filepath.FromSlash(f.path))
		dst := filepath.Join(dest, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		tmp := filepath.Join(filepath.Dir(dst), fmt.Sprintf(".%s.toolcache-%d", filepath.Base(dst), os.Getpid()))
		_ = os.Remove(tmp) // a crashed run's leftover
		if err := os.Link(src, tmp); err != nil {
			if err := copyFile(src, tmp); err != nil {
				_ = os.Remove(tmp)
				return fmt.Errorf("installing %s: %w", dst, err)
			}
		}
		if err := os.Rename(tmp, dst); err != nil {
			_ = os.Remove(tmp)
			return fmt.Errorf("installing %s: %w", dst, err)
		}
		if err := os.Chtimes(dst, now, now); err != nil {
			return fmt.Errorf("installing %s: %w", dst, err)
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	info, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}
