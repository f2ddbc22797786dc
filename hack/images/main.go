// Command images builds the project's container images without a container engine
// (`make images`): for interviewapi-server and interviewapi-operator, a static binary on
// an empty base, running as 65532:65532, written to bin/images/NAME.tar. See package
// imagebuild for the image layout and the archive format.
//
//	go run ./hack/images [-out bin/images] [-registry ghcr.io/interviewapi] [-version v0.1.0] [-platform linux/arm64] [NAME...]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/interviewapi/operator/hack/images/imagebuild"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "images:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("images", flag.ContinueOnError)
	out := fs.String("out", "bin/images", "folder for the image archives")
	registry := fs.String("registry", "ghcr.io/interviewapi", "registry and namespace of the image references")
	version := fs.String("version", "", "image tag and org.opencontainers.image.version (default: git describe --tags --always --dirty)")
	revision := fs.String("revision", "", "org.opencontainers.image.revision (default: git rev-parse HEAD)")
	source := fs.String("source", "https://github.com/interviewapi/operator", "org.opencontainers.image.source")
	created := fs.String("created", "", "creation time, RFC 3339 (default: SOURCE_DATE_EPOCH, else the commit time)")
	platform := fs.String("platform", runtime.GOOS+"/"+runtime.GOARCH, "OS/architecture of the binaries")
	caBundle := fs.String("ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "PEM CA bundle copied into the images")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: images [flags] [NAME...]\nNAMEs: %s (default: all)\n", strings.Join(imageNames(), ", "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	imgs, err := selectImages(fs.Args())
	if err != nil {
		return err
	}
	osName, arch, ok := strings.Cut(*platform, "/")
	if !ok || osName == "" || arch == "" {
		return fmt.Errorf("-platform %q: want OS/ARCH such as linux/amd64", *platform)
	}
	b := imagebuild.Build{
		RepoRoot:   ".",
		Registry:   *registry,
		Version:    firstNonEmpty(*version, gitOutput("describe", "--tags", "--always", "--dirty"), "dev"),
		Revision:   firstNonEmpty(*revision, gitOutput("rev-parse", "HEAD"), "unknown"),
		Source:     *source,
		OS:         osName,
		Arch:       arch,
		CABundle:   *caBundle,
		VersionVar: imagebuild.VersionVar,
	}
	if b.Created, err = creationTime(*created); err != nil {
		return err
	}
	paths, err := b.BuildAll(ctx, imgs, *out)
	if err != nil {
		return err
	}
	for i, p := range paths {
		ref, _ := b.Reference(imgs[i])
		fmt.Printf("%s  %s\n", p, ref.Name())
	}
	return nil
}

func imageNames() []string {
	var names []string
	for _, img := range imagebuild.Images() {
		names = append(names, img.Name)
	}
	return names
}

func selectImages(names []string) ([]imagebuild.Image, error) {
	all := imagebuild.Images()
	if len(names) == 0 {
		return all, nil
	}
	var imgs []imagebuild.Image
	for _, n := range names {
		i := slices.IndexFunc(all, func(img imagebuild.Image) bool { return img.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("unknown image %q; known: %s", n, strings.Join(imageNames(), ", "))
		}
		imgs = append(imgs, all[i])
	}
	return imgs, nil
}

// creationTime makes builds reproducible: an explicit time, SOURCE_DATE_EPOCH (the
// reproducible-builds convention), the commit's time, or as a last resort now.
func creationTime(flagValue string) (time.Time, error) {
	if flagValue != "" {
		t, err := time.Parse(time.RFC3339, flagValue)
		if err != nil {
			return time.Time{}, fmt.Errorf("-created: %w", err)
		}
		return t, nil
	}
	epoch := firstNonEmpty(os.Getenv("SOURCE_DATE_EPOCH"), gitOutput("log", "-1", "--format=%ct"))
	if epoch == "" {
		return time.Now().UTC().Truncate(time.Second), nil
	}
	sec, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH or commit time %q: %w", epoch, err)
	}
	return time.Unix(sec, 0).UTC(), nil
}

// gitOutput is git's trimmed output, or "" outside a git checkout.
func gitOutput(args ...string) string {
	out, err := exec.Command("git", args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
