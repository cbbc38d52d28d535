package testsupport

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"
)

// HelperCommand returns a command that runs the test named test of this
// test binary in a new process, verbosely, with env (NAME=VALUE) added to
// this process's environment. It is killed after a minute or when tb ends.
func HelperCommand(tb testing.TB, test string, env ...string) *exec.Cmd {
	tb.Helper()
	exe, err := os.Executable()
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	tb.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, exe, "-test.run=^"+regexp.QuoteMeta(test)+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}
