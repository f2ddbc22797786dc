package plugin

import (
	"os"
	"path/filepath"
	"testing"
)

// updateGoldenEnv names the variable that rewrites the golden files from the current
// output: UPDATE_GOLDEN=1 go test ./internal/plugin/ -run Render. Review the diff.
const updateGoldenEnv = "UPDATE_GOLDEN"

// assertGolden compares got with testdata/NAME.golden.
func assertGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if os.Getenv(updateGoldenEnv) == "1" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatalf("update %s: %v", path, err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s (create it with %s=1): %v", path, updateGoldenEnv, err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (%s=1 rewrites it)\n--- got ---\n%s--- want ---\n%s", path, updateGoldenEnv, got, want)
	}
}
