package imagebuild

import (
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
)

// NonRootUser is the user and group the images run as (distroless' "nonroot").
const (
	NonRootUID  = 65532
	NonRootGID  = 65532
	NonRootUser = "65532:65532"
)

// BinDir is where the binary sits in the image; the entrypoint is BinDir/Name.
const BinDir = "/usr/local/bin"

// OCI annotation keys used as image labels.
const (
	LabelVersion  = "org.opencontainers.image.version"
	LabelRevision = "org.opencontainers.image.revision"
	LabelSource   = "org.opencontainers.image.source"
	LabelTitle    = "org.opencontainers.image.title"
	LabelCreated  = "org.opencontainers.image.created"
	LabelLicenses = "org.opencontainers.image.licenses"
)

// Image describes one image to build.
type Image struct {
	// Name is the binary's and the repository's last element, e.g. interviewapi-server.
	Name string
	// Package is the Go main package, e.g. ./cmd/interviewapi-server.
	Package string
	// Description becomes the org.opencontainers.image.description label.
	Description string
}

// Images are the project's images.
func Images() []Image {
	return []Image{
		{Name: "interviewapi-server", Package: "./cmd/interviewapi-server",
			Description: "The InterviewAPI HTTP server (gin + pgx) with its sync and async database engines."},
		{Name: "interviewapi-operator", Package: "./cmd/interviewapi-operator",
			Description: "The InterviewAPI operator: runs InterviewAPI servers and rolls database changes out as canaries."},
	}
}

// Build holds what every image of one build shares.
type Build struct {
	// RepoRoot is the Go module's root, where `go build` runs.
	RepoRoot string
	// Registry prefixes the repository, e.g. ghcr.io/interviewapi.
	Registry string
	Version  string
	Revision string
	Source   string
	// Created is the image's creation time and every file's modification time; taken
	// from the commit, it makes a build reproducible.
	Created time.Time
	OS      string
	Arch    string
	// CABundle is the PEM file installed as /etc/ssl/certs/ca-certificates.crt.
	CABundle string
	// VersionVar is the string variable the binaries print for --version, set with
	// -ldflags -X (the linker ignores it in a binary that has no such variable).
	VersionVar string
}

// Reference is the image's name and tag, e.g. ghcr.io/interviewapi/interviewapi-server:v0.1.0.
func (b Build) Reference(img Image) (name.Tag, error) {
	tag, err := name.NewTag(fmt.Sprintf("%s/%s:%s", b.Registry, img.Name, b.Version))
	if err != nil {
		return name.Tag{}, fmt.Errorf("image reference for %s (version %q must be a valid tag): %w", img.Name, b.Version, err)
	}
	return tag, nil
}

// VersionVar is where the project's commands keep the version `--version` prints:
// `var version = "dev"` in package main, stamped with -ldflags "-X main.version=…".
const VersionVar = "main.version"
