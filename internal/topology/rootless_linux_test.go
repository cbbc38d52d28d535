package topology_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/testsupport"
	"github.com/portlab/portlab/internal/topology"
)

// TestRootless runs TestRootlessHelper as an ordinary user (nobody, when
// this test runs as root): both namespaces must then belong to the one user
// namespace netns.Command made, or the veth pair cannot span them.
func TestRootless(t *testing.T) {
	testsupport.RunRootless(t, "TestRootlessHelper")
}

// TestRootlessHelper is run by TestRootless, as an ordinary user.
func TestRootlessHelper(t *testing.T) {
	testsupport.RootlessHelper(t)
	netnstest.Run(t, nil, func(t *testing.T) {
		if got := os.Geteuid(); got != 0 {
			t.Errorf("euid in the client host = %d, want 0 (the caller mapped to root)", got)
		}
		srv := startServerHost(t, topology.Spec{
			Client: topology.Host{Sysctls: map[string]string{portRange: "40000 40999"}},
			Server: topology.Host{Sysctls: map[string]string{twReuse: "0"}},
		}, echo.CloseClient, twReuse+"=0")
		const conns = 10
		for i := range conns {
			if err := converse(serverAddr, false); err != nil {
				t.Fatalf("conversation %d: %v", i, err)
			}
		}
		client := settle(t)
		server, err := srv.Stop()
		if err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if client.TimeWait != conns || server.TimeWait != 0 {
			t.Errorf("TIME_WAIT: client %d, server %d; want client %d, server 0", client.TimeWait, server.TimeWait, conns)
		}
	})
}

// TestServerHostDiesWithClientHost kills a client host and checks that its
// server host, and with it the server's namespace, goes too, even one that
// hangs when its pipe from the client host ends (see serverHostMain).
func TestServerHostDiesWithClientHost(t *testing.T) {
	testsupport.FromHost(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := netns.Command(ctx, "-test.run=^TestPdeathsigHelper$")
	client.Env = append(client.Env, envPdeathsig+"=1")
	client.Stderr = os.Stderr
	testsupport.ChildDiesWithParent(t, client, "server host")
}

// TestPdeathsigHelper is run by TestServerHostDiesWithClientHost as the
// client host: it starts a server host, prints its pid and waits to die.
func TestPdeathsigHelper(t *testing.T) {
	if os.Getenv(envPdeathsig) != "1" {
		t.Skip("helper process for TestServerHostDiesWithClientHost")
	}
	srv := startServerHost(t, topology.Spec{}, echo.CloseClient)
	testsupport.PrintPid("server host", srv.Pid())
}

// TestRootlessNAT runs TestRootlessNATHelper as an ordinary user: the
// gateway's nftables table and conntrack work in a namespace owned by the
// user namespace netns.Command made (where the kernel has the NAT modules
// loaded; a user namespace cannot load them).
func TestRootlessNAT(t *testing.T) {
	// A gateway made as root first loads the modules, should this test
	// run alone.
	t.Run("as-root", func(t *testing.T) {
		netnstest.Run(t, nil, func(t *testing.T) {
			startNAT(t, topology.Gateway{Clients: 1, SNATAddresses: 1, SNATPorts: topology.PortRange{Min: 50000, Max: 50099}}, 1)
		})
	})
	if !netns.Inside() { // this function runs again in the namespace
		testsupport.RunRootless(t, "TestRootlessNATHelper")
	}
}

// TestRootlessNATHelper is run by TestRootlessNAT, as an ordinary user.
func TestRootlessNATHelper(t *testing.T) {
	testsupport.RootlessHelper(t)
	netnstest.Run(t, nil, func(t *testing.T) {
		g := topology.Gateway{Clients: 1, SNATAddresses: 1, SNATPorts: topology.PortRange{Min: 50000, Max: 50099}}
		ds, tab := startNAT(t, g, 150)
		if d := ds[0]; d.OK != 100 || d.Timeouts != 50 {
			t.Errorf("%+v, want 100 connected and 50 timed out", d)
		}
		if tab.Stats["insert_failed"] < 50 {
			t.Errorf("insert_failed %d, want at least the 50 timeouts", tab.Stats["insert_failed"])
		}
	})
}
