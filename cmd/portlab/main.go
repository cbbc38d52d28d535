// Command portlab reproduces and measures ephemeral-port exhaustion: an echo
// server, a load generator, and a sandbox lab that runs experiments in
// private network namespaces. Everything lives in run, so whole-CLI tests
// run in-process.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/topology"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/scenarios/sandbox"
)

func main() {
	netns.Init()
	os.Exit(process(os.Args[1:], os.Stdout, os.Stderr))
}

// process is the whole program after netns.Init: the server host of a
// two-hosts sandbox run, or the CLI.
func process(args []string, stdout, stderr io.Writer) int {
	if topology.IsServerHost() {
		// The client host stops it once it has read its socket table, so
		// it ignores the terminal's SIGINT.
		signal.Ignore(os.Interrupt)
		if err := sandbox.ServerHostMain(context.Background(), args, loadgen.WithVersion(version)); err != nil {
			fmt.Fprintf(stderr, "portlab server host: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	return run(args, stdout, stderr)
}
