package images

import (
	"bufio"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/interviewapi/operator/hack/images/imagebuild"
	"github.com/interviewapi/operator/test/envtest"
)

const modulePath = "github.com/interviewapi/operator"

// dockerfile is the instructions of a Dockerfile, continuation lines joined.
type dockerfile struct {
	instructions [][2]string // keyword (upper case), arguments
}

func parseDockerfile(t *testing.T, file string) dockerfile {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	defer f.Close()
	var d dockerfile
	var line strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		text := strings.TrimSpace(sc.Text())
		if line.Len() == 0 && (text == "" || strings.HasPrefix(text, "#")) {
			continue
		}
		if cont, ok := strings.CutSuffix(text, `\`); ok {
			line.WriteString(cont + " ")
			continue
		}
		line.WriteString(text)
		keyword, args, _ := strings.Cut(line.String(), " ")
		d.instructions = append(d.instructions, [2]string{strings.ToUpper(keyword), strings.TrimSpace(args)})
		line.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d dockerfile) all(keyword string) []string {
	var out []string
	for _, in := range d.instructions {
		if in[0] == keyword {
			out = append(out, in[1])
		}
	}
	return out
}

// finalStage is the instructions after the last FROM.
func (d dockerfile) finalStage() dockerfile {
	for i := len(d.instructions) - 1; i >= 0; i-- {
		if d.instructions[i][0] == "FROM" {
			return dockerfile{instructions: d.instructions[i:]}
		}
	}
	return dockerfile{}
}

// TestDockerfiles checks that the Dockerfile of each image builds the same kind of
// image as `make images`: multi-stage, static binary, distroless non-root base, the
// same entrypoint and version stamping, and a build context holding every package the
// binary imports.
func TestDockerfiles(t *testing.T) {
	root := envtest.RepoRoot()
	for _, img := range imagebuild.Images() {
		file := filepath.Join(root, "Dockerfile."+strings.TrimPrefix(img.Name, "interviewapi-"))
		t.Run(filepath.Base(file), func(t *testing.T) {
			d := parseDockerfile(t, file)
			if n := len(d.all("FROM")); n < 2 {
				t.Errorf("%d FROM lines: want a multi-stage build (compile, then copy onto the runtime base)", n)
			}
			final := d.finalStage()
			if from := final.all("FROM"); len(from) != 1 || !strings.HasPrefix(from[0], "gcr.io/distroless/static") || !strings.HasSuffix(from[0], ":nonroot") {
				t.Errorf("runtime base %q: want gcr.io/distroless/static…:nonroot", from)
			}
			if users := final.all("USER"); !slices.Equal(users, []string{imagebuild.NonRootUser}) {
				t.Errorf("USER %q, want %s", users, imagebuild.NonRootUser)
			}
			wantEntrypoint := `["` + path.Join(imagebuild.BinDir, img.Name) + `"]`
			if ep := final.all("ENTRYPOINT"); !slices.Equal(ep, []string{wantEntrypoint}) {
				t.Errorf("ENTRYPOINT %q, want %s (the same as make images)", ep, wantEntrypoint)
			}
			build := strings.Join(d.all("RUN"), "\n")
			for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X " + imagebuild.VersionVar + "=", "./cmd/" + img.Name} {
				if !strings.Contains(build, want) {
					t.Errorf("no RUN instruction contains %q", want)
				}
			}
			labels := strings.Join(final.all("LABEL"), " ")
			for _, key := range []string{imagebuild.LabelVersion, imagebuild.LabelRevision, imagebuild.LabelSource} {
				if !strings.Contains(labels, key+"=") {
					t.Errorf("runtime stage has no %s label", key)
				}
			}
			checkBuildContext(t, root, img, d)
		})
	}
}

// checkBuildContext fails when the binary imports a package from a top-level folder the
// Dockerfile does not COPY: the Docker build would break while `go build` works.
func checkBuildContext(t *testing.T, root string, img imagebuild.Image, d dockerfile) {
	t.Helper()
	copied := map[string]bool{}
	for _, c := range d.all("COPY") {
		if strings.HasPrefix(c, "--from") {
			continue
		}
		fields := strings.Fields(c)
		for _, src := range fields[:len(fields)-1] {
			copied[strings.TrimSuffix(src, "/")] = true
		}
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", img.Package)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s (the binary's main package must exist): %v", img.Package, err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		rest, ok := strings.CutPrefix(pkg, modulePath+"/")
		if !ok {
			continue
		}
		top, _, _ := strings.Cut(rest, "/")
		if !copied[top] {
			t.Errorf("%s imports %s, but the Dockerfile does not COPY %s/", img.Name, pkg, top)
		}
	}
}
