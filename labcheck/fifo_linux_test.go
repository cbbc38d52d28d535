package labcheck

import (
	"fmt"
	"os"
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

// A results directory beyond what a check holds in memory is refused
// before any file is read: by total size (a sparse file costs no disk) and
// by count.
func TestCheckBoundsWhatItReads(t *testing.T) {
	big := t.TempDir()
	if err := os.Truncate(filepath.Join(big, "huge.json"), 0); err == nil {
		t.Fatal("truncate of a missing file succeeded")
	}
	f, err := os.Create(filepath.Join(big, "huge.json"))
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := os.Truncate(f.Name(), MaxResultBytes+1); err != nil {
		t.Fatal(err)
	}
	many := t.TempDir()
	for i := range MaxResultFiles + 1 {
		if err := os.WriteFile(filepath.Join(many, fmt.Sprintf("r%d.json", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for dir, want := range map[string]string{big: "1 .json files of 256 MiB", many: "1001 .json files of 0 MiB"} {
		_, err := Check(1, dir)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "a check reads at most 1000 files and 256 MiB") {
			t.Errorf("Check(1, %s) = %v, want an error saying %q and the bounds", dir, err, want)
		}
	}
}
