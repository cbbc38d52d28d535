package netns_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/testsupport"
)

const envPdeathsig = "PORTLAB_NETNS_TEST_PDEATHSIG"

// TestChildDiesWithParent kills a process that started a namespace child
// with Command, and checks the child (and with it the namespace) goes too.
func TestChildDiesWithParent(t *testing.T) {
	testsupport.FromHost(t)
	parent := testsupport.HelperCommand(t, "TestPdeathsigHelper", envPdeathsig+"=parent")
	testsupport.ChildDiesWithParent(t, parent, "child")
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
		testsupport.PrintPid("child", cmd.Process.Pid)
	case "child":
		time.Sleep(time.Minute)
	default:
		t.Skip("helper process for TestChildDiesWithParent")
	}
}
