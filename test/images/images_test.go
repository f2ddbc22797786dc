// Package images tests the container images that `make images` builds: each archive is
// read back both as a `docker save` archive and as an OCI layout, and the binary inside
// is run.
package images

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/interviewapi/operator/hack/images/imagebuild"
	"github.com/interviewapi/operator/test/envtest"
)

const testVersion = "v9.8.7-imagetest"

func TestImages(t *testing.T) {
	root := envtest.RepoRoot()
	revision := gitRevision(t, root)
	b := imagebuild.Build{
		RepoRoot:   root,
		Registry:   "registry.test/interviewapi",
		Version:    testVersion,
		Revision:   revision,
		Source:     "https://github.com/interviewapi/operator",
		Created:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		OS:         "linux",
		Arch:       runtime.GOARCH,
		CABundle:   "/etc/ssl/certs/ca-certificates.crt",
		VersionVar: imagebuild.VersionVar,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for _, img := range imagebuild.Images() {
		t.Run(img.Name, func(t *testing.T) {
			paths, err := b.BuildAll(ctx, []imagebuild.Image{img}, t.TempDir())
			if err != nil {
				t.Fatalf("build %s (its main package %s must exist and compile): %v", img.Name, img.Package, err)
			}
			archive := paths[0]
			image := readDockerArchive(t, archive)
			checkConfig(t, b, img, image)
			checkOCILayout(t, archive, image, b.Registry+"/"+img.Name+":"+testVersion)
			fsys := flatten(t, image)
			checkBaseFiles(t, fsys)
			checkBinary(t, img, fsys, revision)
		})
	}
}

func gitRevision(t *testing.T, root string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
	if err != nil {
		return "0000000000000000000000000000000000000000"
	}
	return strings.TrimSpace(string(out))
}

func readDockerArchive(t *testing.T, path string) v1.Image {
	t.Helper()
	image, err := tarball.ImageFromPath(path, nil)
	if err != nil {
		t.Fatalf("read %s as a docker archive: %v", path, err)
	}
	return image
}

func checkConfig(t *testing.T, b imagebuild.Build, img imagebuild.Image, image v1.Image) {
	t.Helper()
	cfg, err := image.ConfigFile()
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if cfg.Config.User != "65532:65532" {
		t.Errorf("user = %q, want the non-root 65532:65532", cfg.Config.User)
	}
	if want := []string{"/usr/local/bin/" + img.Name}; !slices.Equal(cfg.Config.Entrypoint, want) {
		t.Errorf("entrypoint = %q, want %q", cfg.Config.Entrypoint, want)
	}
	if cfg.OS != "linux" || cfg.Architecture != b.Arch {
		t.Errorf("platform = %s/%s, want linux/%s", cfg.OS, cfg.Architecture, b.Arch)
	}
	if !cfg.Created.Equal(b.Created) {
		t.Errorf("created = %v, want %v (builds must be reproducible)", cfg.Created.Time, b.Created)
	}
	for key, want := range map[string]string{
		"org.opencontainers.image.version":  testVersion,
		"org.opencontainers.image.revision": b.Revision,
		"org.opencontainers.image.source":   b.Source,
		"org.opencontainers.image.title":    img.Name,
	} {
		if got := cfg.Config.Labels[key]; got != want {
			t.Errorf("label %s = %q, want %q", key, got, want)
		}
	}
	layers, err := image.Layers()
	if err != nil || len(layers) != 2 {
		t.Errorf("layers = %d (%v), want 2 (base files, binary) on an empty base", len(layers), err)
	}
}

// checkOCILayout unpacks the archive and reads it as an OCI image layout: an OCI
// manifest tagged with the image's reference, over the same config and layers as the
// docker view (which rebuilds a manifest of its own from manifest.json).
func checkOCILayout(t *testing.T, archive string, image v1.Image, ref string) {
	t.Helper()
	dir := t.TempDir()
	untar(t, archive, dir)
	index, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatalf("read %s as an OCI layout: %v", archive, err)
	}
	im, err := index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(im.Manifests) != 1 || im.Manifests[0].MediaType != types.OCIManifestSchema1 {
		t.Fatalf("OCI index manifests = %+v, want one OCI image manifest", im.Manifests)
	}
	if got := im.Manifests[0].Annotations["io.containerd.image.name"]; got != ref {
		t.Errorf("OCI index names the image %q, want %q", got, ref)
	}
	fromLayout, err := index.Image(im.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := blobDigests(t, fromLayout), blobDigests(t, image); !slices.Equal(got, want) {
		t.Errorf("config and layer digests: OCI layout %v, docker archive %v: the two views must share their blobs", got, want)
	}
}

// blobDigests lists an image's config digest and its layers' digests.
func blobDigests(t *testing.T, image v1.Image) []string {
	t.Helper()
	cfg, err := image.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	digests := []string{cfg.String()}
	layers, err := image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d.String())
	}
	return digests
}

// fileInfo is one regular file of the image's flattened file system.
type fileInfo struct {
	header *tar.Header
	data   []byte
}

func flatten(t *testing.T, image v1.Image) map[string]fileInfo {
	t.Helper()
	rc := mutate.Extract(image)
	defer rc.Close()
	files := map[string]fileInfo{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("read the image's file system: %v", err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files["/"+strings.TrimSuffix(h.Name, "/")] = fileInfo{header: h, data: data}
	}
	return files
}

func checkBaseFiles(t *testing.T, fsys map[string]fileInfo) {
	t.Helper()
	if f, ok := fsys["/etc/ssl/certs/ca-certificates.crt"]; !ok || !bytes.Contains(f.data, []byte("BEGIN CERTIFICATE")) {
		t.Error("no CA certificates at /etc/ssl/certs/ca-certificates.crt: TLS clients in the image would fail")
	}
	if f, ok := fsys["/etc/passwd"]; !ok || !bytes.Contains(f.data, []byte("nonroot:x:65532:65532:")) {
		t.Error("/etc/passwd does not name the non-root user 65532")
	}
	if f, ok := fsys["/tmp"]; !ok || f.header.Typeflag != tar.TypeDir || f.header.Mode&0o1777 != 0o1777 {
		t.Error("/tmp is missing or not world-writable with the sticky bit")
	}
}

// checkBinary extracts the binary, checks it is statically linked and runs --version.
func checkBinary(t *testing.T, img imagebuild.Image, fsys map[string]fileInfo, revision string) {
	t.Helper()
	f, ok := fsys["/usr/local/bin/"+img.Name]
	if !ok {
		t.Fatalf("no /usr/local/bin/%s in the image", img.Name)
	}
	if f.header.Mode&0o111 == 0 || f.header.Uid != 0 {
		t.Errorf("binary mode %o owner %d: want executable and owned by root (not writable by the user it runs as)", f.header.Mode, f.header.Uid)
	}
	bin := filepath.Join(t.TempDir(), img.Name)
	if err := os.WriteFile(bin, f.data, 0o755); err != nil {
		t.Fatal(err)
	}
	exe, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("binary is not ELF: %v", err)
	}
	for _, p := range exe.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("binary has a dynamic loader (PT_INTERP): it would not run on an empty base; build with CGO_ENABLED=0")
		}
	}
	exe.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--version")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", img.Name, err, out)
	}
	line := strings.TrimSpace(string(out))
	if !strings.Contains(line, testVersion) && !strings.Contains(line, revision[:12]) {
		t.Errorf("%s --version printed %q: want the stamped version %q (-X %s) or the commit %s",
			img.Name, line, testVersion, imagebuild.VersionVar, revision[:12])
	}
}

func untar(t *testing.T, archive, dir string) {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("read %s: %v", archive, err)
		}
		target := filepath.Join(dir, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(target, filepath.Clean(dir)+string(os.PathSeparator)) {
			t.Fatalf("archive entry %q escapes the folder", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(target, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
