package imagebuild

import (
	"fmt"
	"path"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Assemble makes img's image from its compiled binary: an empty base, the base-files
// layer, the binary layer, and a config that runs the binary as the non-root user.
func (b Build) Assemble(img Image, binary string) (v1.Image, error) {
	base, err := b.baseFiles()
	if err != nil {
		return nil, err
	}
	baseLayer, err := layer(base, b.Created)
	if err != nil {
		return nil, fmt.Errorf("base layer: %w", err)
	}
	files, err := binaryFiles(img, binary)
	if err != nil {
		return nil, fmt.Errorf("binary layer: %w", err)
	}
	binLayer, err := layer(files, b.Created)
	if err != nil {
		return nil, fmt.Errorf("binary layer: %w", err)
	}

	created := v1.Time{Time: b.Created.UTC()}
	image := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	image = mutate.ConfigMediaType(image, types.OCIConfigJSON)
	image, err = mutate.Append(image,
		mutate.Addendum{Layer: baseLayer, History: v1.History{Created: created, CreatedBy: "imagebuild: CA certificates, passwd, group, /tmp", Comment: "distroless-style static base"}},
		mutate.Addendum{Layer: binLayer, History: v1.History{Created: created, CreatedBy: fmt.Sprintf("imagebuild: CGO_ENABLED=0 go build -trimpath %s", img.Package)}},
	)
	if err != nil {
		return nil, fmt.Errorf("append layers: %w", err)
	}
	cfg, err := image.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.Created = created
	cfg.OS = b.OS
	cfg.Architecture = b.Arch
	cfg.Author = "The InterviewAPI Authors"
	cfg.Config = v1.Config{
		User:       NonRootUser,
		Entrypoint: []string{path.Join(BinDir, img.Name)},
		WorkingDir: "/home/nonroot",
		Env: []string{
			"PATH=/usr/local/bin:/usr/bin:/bin",
			"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
		},
		Labels: b.labels(img),
	}
	return mutate.ConfigFile(image, cfg)
}

func (b Build) labels(img Image) map[string]string {
	return map[string]string{
		LabelTitle:                             img.Name,
		"org.opencontainers.image.description": img.Description,
		LabelVersion:                           b.Version,
		LabelRevision:                          b.Revision,
		LabelSource:                            b.Source,
		LabelCreated:                           b.Created.UTC().Format(time.RFC3339),
		LabelLicenses:                          "Apache-2.0",
	}
}
