package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkOutFile refuses what a result could not be written to, and leaves
// no probe behind where it can.
func TestCheckOutFile(t *testing.T) {
	dir := t.TempDir()
	readOnly := filepath.Join(dir, "ro")
	for _, d := range []string{"sub", "ro"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "old.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, want string
		root             bool // root writes read-only directories: no refusal to check
	}{
		{"new file", filepath.Join(dir, "r.json"), "", true},
		{"existing file", filepath.Join(dir, "old.json"), "", true},
		{"in a subdirectory", filepath.Join(dir, "sub", "r.json"), "", true},
		{"missing directory", filepath.Join(dir, "missing", "r.json"), "does not exist", true},
		{"a directory", filepath.Join(dir, "sub"), "is a directory", true},
		{"a file as directory", filepath.Join(dir, "old.json", "r.json"), "is not a directory", true},
		{"read-only directory", filepath.Join(readOnly, "r.json"), "cannot create a file in", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if os.Geteuid() == 0 && !tc.root {
				t.Skip("root can write a read-only directory")
			}
			err := checkOutFile(tc.path)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("checkOutFile(%s) = %v, want nil", tc.path, err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("checkOutFile(%s) = %v, want an error saying %q", tc.path, err, tc.want)
			}
			entries, err := filepath.Glob(filepath.Join(dir, "*", ".portlab-probe-*"))
			top, _ := filepath.Glob(filepath.Join(dir, ".portlab-probe-*"))
			if err != nil || len(entries)+len(top) > 0 {
				t.Errorf("probe files left behind: %v %v", entries, top)
			}
		})
	}
}
