package imagebuild

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// WriteArchive writes img to path as a tar that is both an OCI image layout
// (oci-layout, index.json, blobs/sha256/…) and a `docker save` archive (manifest.json
// pointing at the same blobs), the layout `docker save` itself writes since Docker 25.
func WriteArchive(path string, ref name.Tag, img v1.Image, modTime time.Time) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	tw := tar.NewWriter(f)
	a := archiveWriter{tw: tw, modTime: modTime}
	if err := a.write(ref, img); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

type archiveWriter struct {
	tw      *tar.Writer
	modTime time.Time
}

func (a archiveWriter) write(ref name.Tag, img v1.Image) error {
	rawConfig, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	configDigest, err := img.ConfigName()
	if err != nil {
		return err
	}
	rawManifest, err := img.RawManifest()
	if err != nil {
		return err
	}
	manifestDigest, err := img.Digest()
	if err != nil {
		return err
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}

	if err := a.dir("blobs/"); err != nil {
		return err
	}
	if err := a.dir("blobs/sha256/"); err != nil {
		return err
	}
	if err := a.blob(configDigest, rawConfig); err != nil {
		return err
	}
	layerPaths := make([]string, 0, len(layers))
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return err
		}
		size, err := l.Size()
		if err != nil {
			return err
		}
		rc, err := l.Compressed()
		if err != nil {
			return err
		}
		err = a.file(blobPath(d), size, rc)
		rc.Close()
		if err != nil {
			return fmt.Errorf("layer %s: %w", d, err)
		}
		layerPaths = append(layerPaths, blobPath(d))
	}
	if err := a.blob(manifestDigest, rawManifest); err != nil {
		return err
	}

	index := v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Manifests: []v1.Descriptor{{
			MediaType: types.OCIManifestSchema1,
			Digest:    manifestDigest,
			Size:      int64(len(rawManifest)),
			Annotations: map[string]string{
				"io.containerd.image.name":          ref.Name(),
				"org.opencontainers.image.ref.name": ref.TagStr(),
			},
		}},
	}
	docker := []map[string]any{{
		"Config":   blobPath(configDigest),
		"RepoTags": []string{ref.Name()},
		"Layers":   layerPaths,
	}}
	for _, entry := range []struct {
		name string
		v    any
	}{
		{"oci-layout", map[string]string{"imageLayoutVersion": "1.0.0"}},
		{"index.json", index},
		{"manifest.json", docker},
	} {
		data, err := json.Marshal(entry.v)
		if err != nil {
			return err
		}
		if err := a.bytes(entry.name, data); err != nil {
			return err
		}
	}
	return nil
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

func (a archiveWriter) dir(name string) error {
	return a.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755, ModTime: a.modTime, Format: tar.FormatPAX})
}

func (a archiveWriter) blob(h v1.Hash, data []byte) error { return a.bytes(blobPath(h), data) }

func (a archiveWriter) bytes(name string, data []byte) error {
	if err := a.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: a.modTime, Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err := a.tw.Write(data)
	return err
}

func (a archiveWriter) file(name string, size int64, r io.Reader) error {
	if err := a.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: size, ModTime: a.modTime, Format: tar.FormatPAX}); err != nil {
		return err
	}
	n, err := io.Copy(a.tw, r)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("wrote %d bytes, want %d", n, size)
	}
	return nil
}
