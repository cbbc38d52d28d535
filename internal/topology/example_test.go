package topology_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/topology"
)

// A program with both hosts: the host process starts the client host, the
// client host starts the server host, and each reports its own TIME_WAIT.
func Example() {
	netns.Init() // first thing in main
	ctx := context.Background()
	switch {
	case topology.IsServerHost():
		err := topology.ServeHost(ctx, func() (func() error, error) {
			cfg := echo.DefaultConfig()
			cfg.Listen = net.JoinHostPort(topology.ServerAddr, "7777")
			srv, err := echo.NewServer(cfg)
			if err != nil {
				return nil, err
			}
			return srv.Close, nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case netns.Inside(): // the client host
		spec := topology.Spec{
			Client: topology.Host{Sysctls: map[string]string{"net.ipv4.tcp_tw_reuse": "0"}},
			Netem:  &topology.Netem{Delay: 10 * time.Millisecond},
		}
		srv, err := topology.StartServerHost(ctx, spec)
		if err != nil {
			fmt.Fprintln(os.Stderr, err) // errors.Is(err, topology.ErrNoNetem) without sch_netem
			os.Exit(1)
		}
		if c, err := net.Dial("tcp", net.JoinHostPort(topology.ServerAddr, "7777")); err == nil {
			c.Close() // the client closes first
		}
		client, _ := topology.TakeSockets()
		server, err := srv.Stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("TIME_WAIT: client %d, server %d\n", client.TimeWait, server.TimeWait)
	default: // the host process
		cmd := netns.Command(ctx)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
