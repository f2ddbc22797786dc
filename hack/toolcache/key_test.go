package main

import (
	"os/exec"
	"strings"
	"testing"
)

func TestKeyChangesWithEveryInput(t *testing.T) {
	base := func() keyInput {
		return keyInput{
			name:    "etcd",
			files:   []inputFile{{"go.mod", []byte("module x\n")}, {"go.sum", []byte("a h1:x\n")}},
			command: []string{"env", "GOTOOLCHAIN=local", "go", "build", "-ldflags", "-X a=b", "-o", "{out}/", "example.com/x"},
			goEnv:   []string{"GOVERSION=go1.26.8", "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=1"},
		}
	}
	tests := []struct {
		name   string
		change func(k *keyInput)
	}{
		{"name", func(k *keyInput) { k.name = "helm" }},
		{"go.mod content", func(k *keyInput) { k.files[0].content = []byte("module x\n\nrequire y v1.0.1\n") }},
		{"go.sum content", func(k *keyInput) { k.files[1].content = []byte("a h1:y\n") }},
		{"a file's name", func(k *keyInput) { k.files[1].name = "build-tags" }},
		{"one more file", func(k *keyInput) { k.files = append(k.files, inputFile{"build-tags", []byte("a b")}) }},
		{"ldflags", func(k *keyInput) { k.command[5] = "-X a=c" }},
		{"the same words split otherwise", func(k *keyInput) {
			k.command = append(k.command[:5], append([]string{"-X", "a=b"}, k.command[6:]...)...)
		}},
		{"CGO_ENABLED on the command line", func(k *keyInput) { k.command = append([]string{"env", "CGO_ENABLED=0"}, k.command[1:]...) }},
		{"Go release", func(k *keyInput) { k.goEnv[0] = "GOVERSION=go1.27.3" }},
		{"target", func(k *keyInput) { k.goEnv[2] = "GOARCH=arm64" }},
		{"cgo default", func(k *keyInput) { k.goEnv[3] = "CGO_ENABLED=0" }},
	}
	want := base().key()
	if again := base().key(); again != want {
		t.Fatalf("the same inputs gave keys %s and %s", want, again)
	}
	if len(want) != 20 {
		t.Fatalf("key %q: want 20 hex digits", want)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := base()
			tt.change(&k)
			if got := k.key(); got == want {
				t.Errorf("key unchanged (%s) after changing the %s:\n%s", got, tt.name, k.text())
			}
		})
	}
}

// The key reads `go env` of the go command that builds: a setting given to it on the
// Makefile's GO line (here GOFLAGS, as TOOLS_GO gives GOTOOLCHAIN) changes the key.
func TestReadKeyInputAsksTheGoCommand(t *testing.T) {
	dir := t.TempDir()
	read := func(goCmd ...string) keyInput {
		t.Helper()
		k, err := readKeyInput("tool", dir, nil, []string{"true", "{out}"}, goCmd)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	plain, tagged := read("go"), read("GOFLAGS=-tags=x", "go")
	if len(plain.goEnv) != len(goEnvVars) || plain.goEnv[0] != "GOVERSION="+goVersion(t) {
		t.Errorf("go env read as %q", plain.goEnv)
	}
	if plain.key() == tagged.key() {
		t.Errorf("GOFLAGS=-tags=x left the key unchanged:\n%s", tagged.text())
	}
	if _, err := readKeyInput("tool", dir, nil, []string{"{out}"}, []string{"no-such-go-command"}); err == nil {
		t.Error("a go command that cannot run gave a key")
	}
}

func goVersion(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(out))
}
