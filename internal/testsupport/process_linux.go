package testsupport

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

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

// ChildDiesWithParent starts parent, which must start a child, report it
// with PrintPid(what, pid) and wait, and checks with DiesWith that the
// child dies when parent is killed.
func ChildDiesWithParent(tb testing.TB, parent *exec.Cmd, what string) {
	tb.Helper()
	stdout, err := parent.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		tb.Fatal(err)
	}
	defer parent.Wait()
	defer parent.Process.Kill()
	// Lines before it (go test -v's "=== RUN") are not ours.
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), what+" pid "); ok {
			pid, err := strconv.Atoi(rest)
			if err != nil {
				tb.Fatalf("read the %s's pid: %v", what, err)
			}
			DiesWith(tb, parent.Process, pid, what)
			return
		}
	}
	tb.Fatalf("the parent ended without printing the %s's pid (%v)", what, sc.Err())
}

// PrintPid is the parent's side of ChildDiesWithParent: it reports the pid
// of its child what, and then waits to be killed.
func PrintPid(what string, pid int) {
	fmt.Printf("%s pid %d\n", what, pid)
	time.Sleep(time.Minute)
}
