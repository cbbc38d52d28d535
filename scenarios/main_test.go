package scenarios

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"testing"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/testsupport"
	"github.com/portlab/portlab/internal/topology"
)

func TestMain(m *testing.M) {
	netns.Init()
	// Execute re-runs this test binary as the sandbox child when the real
	// portlab could not be built.
	if topology.IsServerHost() {
		os.Exit(ServerHostMain(context.Background(), os.Args[1:], os.Stderr))
	}
	if len(os.Args) > 1 && os.Args[1] == ChildArg {
		ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt)
		os.Exit(ChildMain(ctx, os.Stdin, os.Stdout, os.Stderr))
	}
	exe, cleanup, err := testsupport.Portlab()
	if err != nil {
		fmt.Fprintln(os.Stderr, "scenarios test: the sandbox child is the test binary:", err)
	} else {
		ChildExecutable = exe
	}
	code := m.Run()
	if cleanup != nil {
		cleanup()
	}
	os.Exit(code)
}
