package netns_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/testbin"
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
	testbin.DiesWith(t, parent.Process, pid, "child")
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
