package imagebuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// CompileBinary builds img's static binary for the build's platform into dir and
// returns its path. -trimpath drops local paths; -buildvcs records the commit in the
// binary's build info when the tree is a git checkout; -X stamps the version.
func (b Build) CompileBinary(ctx context.Context, img Image, dir string) (string, error) {
	out := filepath.Join(dir, img.Name)
	ldflags := []string{"-s", "-w"}
	if b.VersionVar != "" {
		ldflags = append(ldflags, "-X", b.VersionVar+"="+b.Version)
	}
	args := []string{"build", "-trimpath", "-buildvcs=" + b.buildVCS(), "-ldflags", strings.Join(ldflags, " "), "-o", out, img.Package}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = b.RepoRoot
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+b.OS, "GOARCH="+b.Arch, "GOFLAGS=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s for %s/%s: %w\n%s", img.Package, b.OS, b.Arch, err, stderr.String())
	}
	return out, nil
}

// buildVCS is "true" inside a git checkout (the build info then names the commit) and
// "false" outside one, where Go would refuse to build with -buildvcs=true.
func (b Build) buildVCS() string {
	if _, err := os.Stat(filepath.Join(b.RepoRoot, ".git")); err == nil {
		return "true"
	}
	return "false"
}
