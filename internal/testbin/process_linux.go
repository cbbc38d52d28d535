package testbin

import (
	"fmt"
	"os"
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
