//go:build unix

package report

import (
	"errors"
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
