// Package testbin builds portlab for tests that must run the real program:
// as another user, or as the sandbox child at full speed.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Portlab builds cmd/portlab, without the race detector, into a new
// directory under os.TempDir() that every user may read and enter, and
// returns the binary's path and a function that removes it. Under -race
// the load engine runs several times slower; a sandbox child built that way
// would measure the harness, not the kernel.
func Portlab() (exe string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "portlab-bin-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	if err := os.Chmod(dir, 0o755); err != nil {
		cleanup()
		return "", nil, err
	}
	exe = filepath.Join(dir, "portlab")
	out, err := exec.Command("go", "build", "-o", exe, "github.com/portlab/portlab/cmd/portlab").CombinedOutput()
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("go build portlab: %v: %s", err, out)
	}
	return exe, cleanup, nil
}

// CopyForAnyUser copies the executable exe (typically the running test
// binary) into a new directory that every user may enter, so a test can
// run it as another user; the copy is removed when tb ends.
func CopyForAnyUser(tb testing.TB, exe string) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "portlab-copy-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		tb.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(exe))
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dst
}

// Alive reports whether pid runs; a zombie, dead but not yet reaped by
// whoever inherited it, does not count.
func Alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}

// DiesWith checks that the process pid, alive now, dies within 5 s of
// parent being killed (Pdeathsig at work); what names it in messages.
func DiesWith(tb testing.TB, parent *os.Process, pid int, what string) {
	tb.Helper()
	if !Alive(pid) {
		tb.Fatalf("%s %d is not running while its parent lives", what, pid)
	}
	if err := parent.Kill(); err != nil {
		tb.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for Alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			tb.Fatalf("%s %d still runs 5 s after its parent was killed", what, pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
