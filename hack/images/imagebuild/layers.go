package imagebuild

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// file is one entry of a layer.
type file struct {
	path string // absolute, slash-separated
	mode int64
	uid  int
	gid  int
	data []byte // nil for a directory
}

// baseFiles stand in for a distroless static base: CA certificates for TLS clients
// (the server's optional AI provider), passwd/group naming the non-root user, and a
// /tmp owned by it for pods that mount no emptyDir there.
func (b Build) baseFiles() ([]file, error) {
	ca, err := os.ReadFile(b.CABundle)
	if err != nil {
		return nil, fmt.Errorf("read CA bundle %s (install ca-certificates or pass another bundle): %w", b.CABundle, err)
	}
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", NonRootUID, NonRootGID)
	group := fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", NonRootGID)
	return []file{
		{path: "/etc", mode: 0o755},
		{path: "/etc/passwd", mode: 0o644, data: []byte(passwd)},
		{path: "/etc/group", mode: 0o644, data: []byte(group)},
		{path: "/etc/ssl", mode: 0o755},
		{path: "/etc/ssl/certs", mode: 0o755},
		{path: "/etc/ssl/certs/ca-certificates.crt", mode: 0o644, data: ca},
		{path: "/home", mode: 0o755},
		{path: "/home/nonroot", mode: 0o700, uid: NonRootUID, gid: NonRootGID},
		{path: "/tmp", mode: 0o1777},
	}, nil
}

// binaryFiles is the layer holding the program.
func binaryFiles(img Image, binary string) ([]file, error) {
	data, err := os.ReadFile(binary)
	if err != nil {
		return nil, err
	}
	return []file{
		{path: "/usr", mode: 0o755},
		{path: "/usr/local", mode: 0o755},
		{path: BinDir, mode: 0o755},
		{path: path.Join(BinDir, img.Name), mode: 0o755, data: data},
	}, nil
}

// layer packs files into a gzip-compressed OCI layer; every entry gets modTime, so the
// layer's digest depends only on its content.
func layer(files []file, modTime time.Time) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{
			Name:    f.path[1:],
			Mode:    f.mode,
			Uid:     f.uid,
			Gid:     f.gid,
			ModTime: modTime,
			Format:  tar.FormatPAX,
		}
		if f.data == nil {
			h.Typeflag = tar.TypeDir
			h.Name += "/"
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("tar %s: %w", f.path, err)
		}
		if f.data != nil {
			if _, err := tw.Write(f.data); err != nil {
				return nil, fmt.Errorf("tar %s: %w", f.path, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressedCaching)
}
