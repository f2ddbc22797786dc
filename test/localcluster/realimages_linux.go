package localcluster

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/interviewapi/operator/hack/images/imagebuild"
)

// pauseImage is the sandbox image, built like the project's own images.
var pauseImage = imagebuild.Image{
	Name:        "pause",
	Package:     "./test/localcluster/pause",
	Description: "The local cluster's sandbox image: holds a pod's namespaces.",
}

// buildPauseImage writes the sandbox image archive into dir and returns its path.
func buildPauseImage(ctx context.Context, dir string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", fmt.Errorf("build the sandbox image: %w", err)
	}
	b := imagebuild.Build{
		RepoRoot: root,
		Registry: "localcluster.local",
		Version:  "1",
		Revision: "local",
		Source:   "test/localcluster/pause",
		Created:  time.Unix(0, 0),
		OS:       "linux",
		Arch:     runtime.GOARCH,
		CABundle: "/etc/ssl/certs/ca-certificates.crt",
	}
	paths, err := b.BuildAll(ctx, []imagebuild.Image{pauseImage}, dir)
	if err != nil {
		return "", fmt.Errorf("build the sandbox image: %w", err)
	}
	return paths[0], nil
}

// archiveImageNames reads the image names an OCI archive's index.json declares.
func archiveImageNames(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("image archive: %w", err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("image archive %s has no index.json", path)
		}
		if err != nil {
			return nil, fmt.Errorf("read image archive %s: %w", path, err)
		}
		if h.Name != "index.json" {
			continue
		}
		var index struct {
			Manifests []struct {
				Annotations map[string]string `json:"annotations"`
			} `json:"manifests"`
		}
		if err := json.NewDecoder(tr).Decode(&index); err != nil {
			return nil, fmt.Errorf("image archive %s: index.json: %w", path, err)
		}
		var names []string
		for _, m := range index.Manifests {
			if n := m.Annotations["io.containerd.image.name"]; n != "" {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("image archive %s names no image (annotation io.containerd.image.name)", path)
		}
		return names, nil
	}
}
