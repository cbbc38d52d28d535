package netns_test

import (
	"context"
	"fmt"
	"os"

	"github.com/portlab/portlab/internal/netns"
)

// A program that drains ports only inside a namespace of its own: the parent
// re-executes itself, and the child sets the namespace up and does the work.
func Example() {
	netns.Init() // first thing in main
	if netns.Inside() {
		if err := netns.Setup(map[string]string{"net.ipv4.ip_local_port_range": "40000 40999"}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		// ... run the load here ...
		return
	}
	if err := netns.Available(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cmd := netns.Command(context.Background(), os.Args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
