package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"testing"

	"go.uber.org/goleak"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/testsupport"
	"github.com/portlab/portlab/internal/topology"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// childExe is the sandbox child the tests run: portlab built without the
// race detector, or "" (this test binary) when it could not be built.
var childExe string

func TestMain(m *testing.M) {
	netns.Init()
	// Execute re-runs this test binary as the sandbox child when the real
	// portlab could not be built.
	if topology.IsServerHost() {
		os.Exit(exitCode(sandbox.ServerHostMain(context.Background(), os.Args[1:])))
	}
	if len(os.Args) > 1 && os.Args[1] == sandbox.ChildArg {
		ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt)
		os.Exit(exitCode(sandbox.ChildMain(ctx, os.Stdin, os.Stdout)))
	}
	exe, cleanup, err := testsupport.Portlab()
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox test: the sandbox child is the test binary:", err)
	} else {
		childExe = exe
	}
	code := m.Run()
	if cleanup != nil {
		cleanup()
	}
	// A goroutine outliving the tests (a peer's reader, a sampler) is a
	// leak of Execute's or of a host it started.
	if err := goleak.Find(); code == 0 && err != nil {
		fmt.Fprintln(os.Stderr, "sandbox test: goroutines left:", err)
		code = 1
	}
	os.Exit(code)
}

// exitCode is what portlab's main makes of a child's or server host's error.
func exitCode(err error) int {
	switch {
	case err == nil:
		return 0
	case errors.Is(err, sandbox.ErrInterrupted):
		return 130
	}
	fmt.Fprintln(os.Stderr, "test sandbox:", err)
	return 1
}
