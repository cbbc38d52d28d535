package topology_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/sysctl"
	"github.com/portlab/portlab/internal/testsupport"
	"github.com/portlab/portlab/internal/topology"
)

func TestMain(m *testing.M) {
	// StartServerHost re-runs this test binary as the server host.
	if topology.IsServerHost() {
		os.Exit(serverHostMain(os.Args[1:]))
	}
	testsupport.Main(m)
}

// envPdeathsig marks the processes of TestServerHostDiesWithClientHost.
const envPdeathsig = "PORTLAB_TOPOLOGY_TEST_PDEATHSIG"

// serverPort is where the test server host's echo server listens.
const serverPort = "7777"

// serverHostMain is the server host of these tests: an echo server on
// ServerAddr:7777 whose close policy is args[0] ("crash": exit at once).
// Each further argument, NAME=VALUE, is a sysctl it checks once its
// namespace is set up.
func serverHostMain(args []string) int {
	if len(args) > 0 {
		if role, ok := natRoles[args[0]]; ok {
			return role(args[1:])
		}
	}
	if len(args) > 0 && args[0] == "crash" {
		// A server host that dies before it speaks.
		fmt.Fprintln(os.Stderr, "boom")
		return 3
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := topology.ServeHost(ctx, func() (func() error, error) {
		if len(args) == 0 {
			return nil, fmt.Errorf("want a close policy as the first argument")
		}
		for _, a := range args[1:] {
			name, want, _ := strings.Cut(a, "=")
			if got, err := sysctl.Read(name); err != nil || got != want {
				return nil, fmt.Errorf("in the server host, %s = %q (%v), want %q", name, got, err, want)
			}
		}
		cfg := echo.DefaultConfig()
		cfg.Listen = net.JoinHostPort(topology.ServerAddr, serverPort)
		cfg.Close = echo.ClosePolicy(args[0])
		srv, err := echo.NewServer(cfg)
		if err != nil {
			return nil, err
		}
		if os.Getenv(envPdeathsig) == "1" {
			// Deaf to the client host's end: only Pdeathsig can end it.
			return func() error { time.Sleep(time.Minute); return srv.Close() }, nil
		}
		return srv.Close, nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "test server host:", err)
		return 1
	}
	return 0
}
