//go:build unix

package report

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadFileRefusesFIFO: a FIFO nobody writes to is refused at once
// instead of blocking the read forever.
func TestReadFileRefusesFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo.json")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	_, err := ReadFile(path)
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), path+": not a regular file (a FIFO)") {
		t.Errorf("ReadFile(FIFO) = %v, want an *InputError saying it is a FIFO", err)
	}
}

// TestErrNotResult: ReadFile's errors tell a file that holds no result
// (special, not JSON, no schema_version), which a reader of a directory
// skips, from a result with a bad value, which is the user's to fix.
func TestErrNotResult(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("mkfifo:", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, body string
		notResult  bool
	}{
		{"fifo.json", "", true},
		{"dir.json", "", true},
		{"text.json", "not json", true},
		{"array.json", "[1, 2]", true},
		{"null.json", "null", true},
		{"notes.json", `{"not": "a portlab result"}`, true},
		{"future.json", `{"schema_version": 99}`, false},
		{"bad.json", `{"schema_version": 1, "elapsed_s": "long"}`, false},
		{"invalid.json", `{"schema_version": 1, "elapsed_s": -1}`, false},
	} {
		path := filepath.Join(dir, tc.name)
		if tc.body != "" {
			if err := os.WriteFile(path, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, err := ReadFile(path)
		var ie *InputError
		if !errors.As(err, &ie) || errors.Is(err, ErrNotResult) != tc.notResult {
			t.Errorf("%s: ReadFile = %v; want an *InputError, ErrNotResult %v", tc.name, err, tc.notResult)
		}
	}
}
