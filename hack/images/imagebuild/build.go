package imagebuild

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// BuildAll compiles each image's binary and writes its archive to outDir as NAME.tar.
// It returns the archives' paths, in the order of imgs.
func (b Build) BuildAll(ctx context.Context, imgs []Image, outDir string) ([]string, error) {
	work, err := os.MkdirTemp("", "imagebuild-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	var paths []string
	for _, img := range imgs {
		ref, err := b.Reference(img)
		if err != nil {
			return nil, err
		}
		binary, err := b.CompileBinary(ctx, img, work)
		if err != nil {
			return nil, err
		}
		image, err := b.Assemble(img, binary)
		if err != nil {
			return nil, fmt.Errorf("assemble %s: %w", img.Name, err)
		}
		out := filepath.Join(outDir, img.Name+".tar")
		if err := WriteArchive(out, ref, image, b.Created); err != nil {
			return nil, fmt.Errorf("write %s: %w", out, err)
		}
		paths = append(paths, out)
	}
	return paths, nil
}
