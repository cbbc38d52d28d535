package testsupport

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Portlab builds cmd/portlab, without the race detector, into a new
// directory under os.TempDir() that every user may read and enter, and
// returns the binary's path and a function that removes it. Under -race
// the load engine runs several times slower; a sandbox child built that way
// would measure the harness, not the kernel. It takes no testing.TB because
// TestMain calls it, before any test runs.
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

// DirForAnyUser makes a new directory under os.TempDir() with permissions
// perm (0o755: others may enter it; 0o777: and write in it), removed when
// tb ends. go test's own directories are 0700, out of reach of the user a
// rootless test runs as.
func DirForAnyUser(tb testing.TB, perm os.FileMode) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "portlab-shared-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	// Chmod, because MkdirTemp's mode is cut by the umask.
	if err := os.Chmod(dir, perm); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// CopyForAnyUser copies the executable exe (typically the running test
// binary) into a directory from DirForAnyUser, so a test can run it as
// another user; the copy is removed when tb ends.
func CopyForAnyUser(tb testing.TB, exe string) string {
	tb.Helper()
	b, err := os.ReadFile(exe)
	if err != nil {
		tb.Fatal(err)
	}
	dst := filepath.Join(DirForAnyUser(tb, 0o755), filepath.Base(exe))
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		tb.Fatal(err)
	}
	return dst
}
