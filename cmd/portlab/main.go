// Command portlab reproduces and measures ephemeral-port exhaustion: an echo
// server, a load generator, and a sandbox lab that runs experiments in
// private network namespaces. Everything lives in run, so whole-CLI tests
// run in-process.
package main

import (
	"os"

	"github.com/portlab/portlab/internal/netns"
)

func main() {
	netns.Init()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
