package localcluster

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestImageRepository(t *testing.T) {
	tests := []struct{ image, repo string }{
		{"registry.example/interviewapi-server:v0.1.0", "registry.example/interviewapi-server"},
		{"interviewapi-server", "interviewapi-server"},
		{"localhost:5000/team/app:v1", "localhost:5000/team/app"},
		{"localhost:5000/team/app", "localhost:5000/team/app"},
		{"ghcr.io/a/b@sha256:abc", "ghcr.io/a/b"},
		{"ghcr.io/a/b:v2@sha256:abc", "ghcr.io/a/b"},
	}
	for _, tc := range tests {
		if got := imageRepository(tc.image); got != tc.repo {
			t.Errorf("imageRepository(%q) = %q, want %q", tc.image, got, tc.repo)
		}
	}
}

func TestImageResolver(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"server", "special"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "data"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := imageResolver{binDir: dir, images: map[string]string{
		"interviewapi-server":            "server",
		"registry.example/special/thing": filepath.Join(dir, "special"),
		"notbuilt":                       "absent",
		"plainfile":                      "data",
	}}
	tests := []struct {
		image   string
		want    string
		wantErr string
	}{
		{"registry.example/interviewapi-server:v1", filepath.Join(dir, "server"), ""},
		{"interviewapi-server", filepath.Join(dir, "server"), ""},
		{"registry.example/special/thing:v3", filepath.Join(dir, "special"), ""},
		{"other.example/thing:v3", "", "no local binary"},
		{"notbuilt:v1", "", "does not exist"},
		{"plainfile:v1", "", "not an executable"},
	}
	for _, tc := range tests {
		got, err := r.resolve(tc.image)
		if tc.wantErr != "" {
			var ie *imageError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tc.image) {
				t.Errorf("resolve(%q) error = %v, want an imageError naming the image and saying %q", tc.image, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("resolve(%q) = %q, %v; want %q", tc.image, got, err, tc.want)
		}
	}
}
