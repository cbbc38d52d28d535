package testsupport

import (
	"bufio"
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

// StartHelper starts HelperCommand(tb, test, env...) with a pipe on its
// stdin, whose close (when tb ends) tells the helper to exit, and returns
// the running command and a scanner of its stdout, where the helper says
// when it is ready.
func StartHelper(tb testing.TB, test string, env ...string) (*exec.Cmd, *bufio.Scanner) {
	tb.Helper()
	cmd := HelperCommand(tb, test, env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		stdin.Close()
		cmd.Wait()
	})
	return cmd, bufio.NewScanner(stdout)
}
