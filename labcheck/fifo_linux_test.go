package labcheck

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A FIFO named like a result is refused at once, not read (which would
// block for ever).
func TestReadRunRefusesFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.json")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := readRun(path)
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("readRun(FIFO) = %v, want a 'not a regular file' error", err)
	}
}
