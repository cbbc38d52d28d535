package netns_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/netns"
)

const envPdeathsig = "PORTLAB_NETNS_TEST_PDEATHSIG"

// TestChildDiesWithParent kills a process that started a namespace child
// with Command, and checks the child (and with it the namespace) goes too.
func TestChildDiesWithParent(t *testing.T) {
	if netns.Inside() {
		t.Skip("starts its own namespaces from the host")
	}
	if err := netns.Available(); err != nil {
		if os.Getenv("PORTLAB_REQUIRE_NETNS") == "1" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	parent := exec.CommandContext(ctx, exe, "-test.run=^TestPdeathsigHelper$")
	parent.Env = append(os.Environ(), envPdeathsig+"=parent")
	stdout, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Wait()
	defer parent.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("read the child's pid: %v (got %q)", err, line)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "child ")))
	if err != nil {
		t.Fatalf("read the child's pid: %v (got %q)", err, line)
	}
	if !alive(pid) {
		t.Fatalf("child %d is not running while its parent lives", pid)
	}
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("child %d still runs 5 s after its parent was killed", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether pid runs; a zombie, dead but not yet reaped by
// whoever inherited it, does not count.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && s[i+2] != 'Z' && s[i+2] != 'X'
}

// TestPdeathsigHelper is run by TestChildDiesWithParent: as the parent it
// starts a namespace child and prints its pid; as the child it waits to be
// killed.
func TestPdeathsigHelper(t *testing.T) {
	switch os.Getenv(envPdeathsig) {
	case "parent":
		cmd := netns.Command(context.Background(), "-test.run=^TestPdeathsigHelper$")
		cmd.Env = append(cmd.Env, envPdeathsig+"=child")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("child %d\n", cmd.Process.Pid)
		time.Sleep(time.Minute)
	case "child":
		time.Sleep(time.Minute)
	default:
		t.Skip("helper process for TestChildDiesWithParent")
	}
}
