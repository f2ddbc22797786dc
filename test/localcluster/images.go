package localcluster

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultImages maps the project's image repositories to the binaries `make build`
// writes into the bin directory.
func DefaultImages() map[string]string {
	return map[string]string{
		"interviewapi-server":   "interviewapi-server",
		"interviewapi-operator": "interviewapi-operator",
	}
}

// imageResolver turns a container image into the local program that stands for it.
// Keys are either a full repository ("registry.example/team/app") or its last path
// element ("app"); the full repository wins. Values are paths, relative ones taken
// from binDir.
type imageResolver struct {
	binDir string
	images map[string]string
}

// imageError says why an image has no program; the pod reports it as ErrImagePull.
type imageError struct{ msg string }

func (e *imageError) Error() string { return e.msg }

func (r imageResolver) resolve(image string) (string, error) {
	repo := imageRepository(image)
	path, ok := r.images[repo]
	if !ok {
		path, ok = r.images[repoBaseName(repo)]
	}
	if !ok {
		return "", &imageError{fmt.Sprintf("localcluster has no local binary for image %q (repository %q); mapped repositories: %s",
			image, repoBaseName(repo), strings.Join(slices.Sorted(maps.Keys(r.images)), ", "))}
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.binDir, path)
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", &imageError{fmt.Sprintf("image %q maps to %s, which does not exist (build it, e.g. `make build`)", image, path)}
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return "", &imageError{fmt.Sprintf("image %q maps to %s, which is not an executable file", image, path)}
	}
	return path, nil
}

// imageRepository strips the tag and digest from an image reference:
// "registry:5000/team/app:v1@sha256:…" → "registry:5000/team/app".
func imageRepository(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	// A colon after the last slash starts the tag; one before it is a registry port.
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		image = image[:i]
	}
	return image
}

func repoBaseName(repo string) string {
	return repo[strings.LastIndex(repo, "/")+1:]
}
