package topology_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/conntrack"
	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/netns/netnstest"
	"github.com/portlab/portlab/internal/sysctl"
	"github.com/portlab/portlab/internal/topology"
)

// natRoles are the hosts of the NAT tests, by their first argument.
var natRoles = map[string]func(args []string) int{
	"nat-server": natServer,
	"nat-client": natClient,
}

// natServer serves echo on NATServerAddr:7777, the server closing last.
func natServer([]string) int {
	err := topology.ServeHost(context.Background(), func() (func() error, error) {
		cfg := echo.DefaultConfig()
		cfg.Listen = net.JoinHostPort(topology.NATServerAddr, serverPort)
		cfg.Close = echo.CloseClient
		srv, err := echo.NewServer(cfg)
		if err != nil {
			return nil, err
		}
		return srv.Close, nil
	})
	return exitOf(err)
}

// dials is a NAT test client's report.
type dials struct {
	OK, Timeouts, Other int
	FirstOther          string
}

// natClient opens args[0] connections to the server at once, each dial
// bounded by args[1], holds the ones that connected until every dial is
// done, and reports the counts.
func natClient(args []string) int {
	n, _ := strconv.Atoi(args[0])
	timeout, _ := time.ParseDuration(args[1])
	err := topology.ServeClient(context.Background(), func(context.Context) (func(context.Context) (any, error), error) {
		return func(ctx context.Context) (any, error) { return dialAll(ctx, n, timeout) }, nil
	})
	return exitOf(err)
}

// dialAll opens n connections at once and counts how they went.
func dialAll(ctx context.Context, n int, timeout time.Duration) (dials, error) {
	var (
		mu    sync.Mutex
		d     dials
		conns []net.Conn
		wg    sync.WaitGroup
	)
	dialer := net.Dialer{Timeout: timeout}
	for range n {
		wg.Go(func() {
			c, err := dialer.DialContext(ctx, "tcp", net.JoinHostPort(topology.NATServerAddr, serverPort))
			mu.Lock()
			defer mu.Unlock()
			var ne net.Error
			switch {
			case err == nil:
				d.OK++
				conns = append(conns, c)
			case errors.As(err, &ne) && ne.Timeout():
				d.Timeouts++
			default:
				d.Other++
				d.FirstOther = err.Error()
			}
		})
	}
	wg.Wait()
	for _, c := range conns {
		c.Close()
	}
	return d, nil
}

func exitOf(err error) int {
	if err != nil {
		fmt.Fprintln(os.Stderr, "test host:", err)
		return 1
	}
	return 0
}

// startNAT makes the test's namespace a gateway with g, a server host
// behind it and client hosts before it, each opening conns connections;
// it returns each client's counts and the gateway's conntrack table.
func startNAT(t *testing.T, g topology.Gateway, conns int) ([]dials, *conntrack.Table) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := topology.StartPeer(ctx, topology.NATServerVeth(), nil, nil, "nat-server")
	if err != nil {
		t.Fatalf("start the server host: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	if err := topology.SetupGateway(g); err != nil {
		t.Fatal(err)
	}
	var clients []*topology.Peer
	for k := range g.Clients {
		c, err := topology.StartPeer(ctx, topology.NATClientVeth(k), nil, nil, "nat-client", strconv.Itoa(conns), "2s")
		if err != nil {
			t.Fatalf("start client host %d: %v", k, err)
		}
		clients = append(clients, c)
	}
	for k, c := range clients {
		if err := c.Go(); err != nil {
			t.Fatalf("client host %d: %v", k, err)
		}
	}
	var out []dials
	for k, c := range clients {
		_, rep, err := c.Wait(ctx)
		if err != nil {
			t.Fatalf("client host %d: %v", k, err)
		}
		var d dials
		if err := json.Unmarshal(rep, &d); err != nil {
			t.Fatalf("client host %d's report %s: %v", k, rep, err)
		}
		out = append(out, d)
	}
	tab, err := conntrack.Take()
	if err != nil {
		t.Fatalf("conntrack: %v", err)
	}
	t.Logf("gateway conntrack: %d entries %v; stats %v", tab.Entries, tab.States, tab.Stats)
	return out, tab
}

// TestSNATExhaustion: concurrent connections beyond the gateway's SNAT
// pool connect exactly as many as the pool has (ports x addresses handed
// out in turn); the rest time out, their SYNs dropped at the gateway.
// Addresses picked by the kernel's hash give one client toward one
// destination a single address.
func TestSNATExhaustion(t *testing.T) {
	for _, tc := range []struct {
		ports, addrs int
		spread       topology.Spread
		conns, want  int
	}{
		{100, 1, "", 150, 100},
		{1000, 1, "", 1500, 1000},
		{100, 2, topology.SpreadRoundRobin, 300, 200},
		{100, 2, topology.SpreadHash, 300, 100},
	} {
		name := fmt.Sprintf("ports=%d,addrs=%d,%s", tc.ports, tc.addrs, tc.spread)
		t.Run(name, func(t *testing.T) {
			netnstest.Run(t, nil, func(t *testing.T) {
				g := topology.Gateway{Clients: 1, SNATAddresses: tc.addrs, Spread: tc.spread, SNATPorts: topology.PortRange{Min: 50000, Max: 50000 + tc.ports - 1}}
				ds, tab := startNAT(t, g, tc.conns)
				d := ds[0]
				if d.OK != tc.want || d.Timeouts != tc.conns-tc.want || d.Other != 0 {
					t.Errorf("%d connected, %d timed out, %d other errors (%s); want %d connected, the other %d timed out",
						d.OK, d.Timeouts, d.Other, d.FirstOther, tc.want, tc.conns-tc.want)
				}
				// Each SYN that found no free (address, port) was dropped
				// when its entry clashed at insertion: a timed-out connect
				// sent at least one.
				if f := tab.Stats["insert_failed"]; f < int64(d.Timeouts) || tab.Stats["drop"] != f {
					t.Errorf("insert_failed %d, drop %d; want both the same, at least %d (the timeouts)", f, tab.Stats["drop"], d.Timeouts)
				}
			})
		})
	}
}

// TestNATLeavesHostAlone: the gateway's table, links and forwarding stay
// in the namespaces; the host's are as they were.
func TestNATLeavesHostAlone(t *testing.T) {
	host := !netns.Inside() // this function runs again in the namespace
	tables := func() []string {
		names, err := topology.NATTables()
		if err != nil {
			t.Fatalf("list the host's nftables tables: %v", err)
		}
		return names
	}
	links := func() []string {
		ls, err := netlink.LinkList()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, l := range ls {
			names = append(names, l.Attrs().Name)
		}
		return names
	}
	var beforeTables, beforeLinks []string
	if host {
		beforeTables, beforeLinks = tables(), links()
	}
	t.Run("gateway", func(t *testing.T) {
		netnstest.Run(t, nil, func(t *testing.T) {
			g := topology.Gateway{Clients: 2, SNATAddresses: 1, SNATPorts: topology.PortRange{Min: 50000, Max: 50099}}
			ds, _ := startNAT(t, g, 10)
			for k, d := range ds {
				if d.OK != 10 {
					t.Errorf("client %d: %+v, want 10 connected", k, d)
				}
			}
			if names, err := topology.NATTables(); err != nil || !slices.Contains(names, topology.NATTable) {
				t.Errorf("gateway's tables %q (%v), want %s", names, err, topology.NATTable)
			}
		})
	})
	if !host {
		return
	}
	if after := tables(); !slices.Equal(after, beforeTables) {
		t.Errorf("host's nftables tables %q, were %q", after, beforeTables)
	}
	if after := links(); !slices.Equal(after, beforeLinks) {
		t.Errorf("host's links %q, were %q", after, beforeLinks)
	}
}

// TestGatewayRefusedOnHost: SetupGateway never turns the host into a
// gateway, even when the environment claims a namespace of portlab's:
// no table, no forwarding.
func TestGatewayRefusedOnHost(t *testing.T) {
	if netns.Inside() {
		t.Skip("checks the host's side")
	}
	fwd, err := sysctl.Read("net.ipv4.ip_forward")
	if err != nil {
		t.Fatal(err)
	}
	g := topology.Gateway{Clients: 1, SNATAddresses: 1, SNATPorts: topology.PortRange{Min: 50000, Max: 50099}}
	for _, inside := range []string{"", "1"} {
		t.Setenv(netns.EnvInside, inside)
		if err := topology.SetupGateway(g); err == nil || !strings.Contains(err.Error(), "refused") {
			t.Errorf("%s=%q: SetupGateway on the host: %v, want a refusal", netns.EnvInside, inside, err)
		}
	}
	names, err := topology.NATTables()
	if err != nil || slices.Contains(names, topology.NATTable) {
		t.Errorf("host's tables %q (%v): want no %s", names, err, topology.NATTable)
	}
	if now, _ := sysctl.Read("net.ipv4.ip_forward"); now != fwd {
		t.Errorf("host's ip_forward %s, was %s", now, fwd)
	}
}
