package scenarios

import (
	"context"
	"os"
	"os/signal"
	"testing"

	"github.com/portlab/portlab/internal/netns"
)

func TestMain(m *testing.M) {
	netns.Init()
	// Execute re-runs this test binary as the sandbox child.
	if len(os.Args) > 1 && os.Args[1] == ChildArg {
		ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt)
		os.Exit(ChildMain(ctx, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}
