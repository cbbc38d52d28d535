package testsupport

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

// update is go test's -update flag for every package that imports
// testsupport; such a package must not define its own.
var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Golden compares got with the golden file at path, after writing got
// there (and any missing directory) if go test ran with -update.
func Golden(tb testing.TB, path string, got []byte) {
	tb.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Errorf("output differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
