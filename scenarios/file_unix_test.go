//go:build unix

package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLoadFileRefusesSpecialFiles: a scenario file is a regular file; a
// FIFO, a device or a directory is refused at once, a FIFO without
// blocking.
func TestLoadFileRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFO here:", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, MaxFileBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ path, want string }{
		{fifo, "not a regular file (a FIFO)"},
		{"/dev/zero", "not a regular file (a device)"},
		{dir, "not a regular file (a directory)"},
		{big, "1048577 bytes is larger than a scenario file may be (1 MiB)"},
	} {
		_, err := LoadFile(tc.path)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.path+": "+tc.want) {
			t.Errorf("LoadFile(%s) = %v, want an ErrInvalid containing %q", tc.path, err, tc.want)
		}
	}
}
