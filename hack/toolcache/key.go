package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// keyFormat names the layout of the key text and of an entry; changing either changes
// it, so that no older entry is read as a newer one.
const keyFormat = "interviewapi-operator toolcache v1"

// goEnvVars are the go command's settings that change what it builds from the same
// sources and command line: the release, the target, and cgo with its C toolchain.
// GOFLAGS and GOEXPERIMENT may come from the environment or go env -w.
var goEnvVars = []string{"GOVERSION", "GOOS", "GOARCH", "GOAMD64", "GOARM64", "CGO_ENABLED", "CC", "CGO_CFLAGS", "CGO_LDFLAGS", "GOFLAGS", "GOEXPERIMENT"}

// keyInput is everything that decides a tool's output: the input files (the tool
// module's go.mod and go.sum, its build-tags file) by name and content, the command
// line before {out} is replaced, and `go env` of the go command that builds.
type keyInput struct {
	name    string
	files   []inputFile
	command []string
	goEnv   []string // "NAME=value", in goEnvVars' order
}

type inputFile struct {
	name    string // as given, relative to the build directory
	content []byte
}

// text is the key's preimage, written into the entry (its key file) so that one can
// read what an entry was built from. Every field is quoted, so that no two inputs
// give the same text.
func (k keyInput) text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\nname %q\n", keyFormat, k.name)
	for _, f := range k.files {
		sum := sha256.Sum256(f.content)
		fmt.Fprintf(&b, "file %q sha256 %s\n", f.name, hex.EncodeToString(sum[:]))
	}
	for _, a := range k.command {
		fmt.Fprintf(&b, "arg %q\n", a)
	}
	for _, e := range k.goEnv {
		fmt.Fprintf(&b, "goenv %q\n", e)
	}
	return b.String()
}

// key is the hash of text, short enough for a directory name (80 bits).
func (k keyInput) key() string {
	sum := sha256.Sum256([]byte(k.text()))
	return hex.EncodeToString(sum[:10])
}

// readKeyInput reads the input files and asks goCmd (e.g. GOTOOLCHAIN=local go) for
// its settings, in dir.
func readKeyInput(name, dir string, files, command, goCmd []string) (keyInput, error) {
	k := keyInput{name: name, command: command}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return k, fmt.Errorf("input of the key: %w", err)
		}
		k.files = append(k.files, inputFile{name: f, content: b})
	}
	if len(goCmd) == 0 {
		return k, fmt.Errorf("-go is empty")
	}
	// "env" runs goCmd's leading VAR=value words the way a shell would.
	args := append(append([]string{}, goCmd...), "env")
	args = append(args, goEnvVars...)
	cmd := exec.Command("env", args...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return k, fmt.Errorf("%s env: %w", strings.Join(goCmd, " "), err)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(goEnvVars) {
		return k, fmt.Errorf("%s env printed %d lines for %d variables: %q", strings.Join(goCmd, " "), len(lines), len(goEnvVars), out)
	}
	for i, v := range goEnvVars {
		k.goEnv = append(k.goEnv, v+"="+lines[i])
	}
	return k, nil
}
