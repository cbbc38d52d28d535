package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/echo"
	"github.com/portlab/portlab/internal/topology"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

// serverHostSpec is what the client host tells the server host to serve.
type serverHostSpec struct {
	Server       echo.Config `json:"server"`
	Destinations int         `json:"destinations,omitempty"`
}

// ServerHostArg is the first argument of the server host's command line:
// the same binary, started by the client host of a two-hosts run.
const ServerHostArg = "__server_host"

// ServerHostMain is the server host of a two-hosts or nat run: it serves
// the echo configuration given as JSON in args[1] until the host that
// started it stops it; or, with ClientHostArg first, a client host behind
// the NAT gateway, which runs the load (with opts) and reports its result.
// Every main that runs sandbox children must call it when
// topology.IsServerHost().
func ServerHostMain(ctx context.Context, args []string, opts ...loadgen.Option) error {
	if len(args) > 0 && args[0] == ClientHostArg {
		return clientHostMain(ctx, args, opts)
	}
	var spec serverHostSpec
	if len(args) < 2 || json.Unmarshal([]byte(args[1]), &spec) != nil {
		return errors.New("no echo configuration")
	}
	return topology.ServeHost(ctx, func() (func() error, error) {
		return startServers(spec.Server, spec.Destinations)
	})
}

// forTwoHosts moves a loopback run onto the two-host network: the server
// listens on the server host's address, the load goes there, and loopback
// source addresses become client-side ones (127.0.0.1 → 198.18.0.1,
// 127.0.0.K → 198.18.0.K+100), which the client host adds to its link.
// Extra addresses on lo exist to make a non-loopback target on one host,
// which the veth already is.
func forTwoHosts(spec *childSpec) (extraSources []string, err error) {
	if err := moveServer(spec, topology.ServerAddr); err != nil {
		return nil, err
	}
	return mapSources(spec.Load.SourceIPs, func(extra int) netip.Addr {
		if extra == 0 {
			return netip.MustParseAddr(topology.ClientAddr)
		}
		return netip.MustParseAddr("198.18.0." + strconv.Itoa(extra+100))
	})
}

// moveServer moves a loopback run's server, and the load's targets, to
// addr, ports kept.
func moveServer(spec *childSpec, addr string) error {
	spec.Addresses = nil
	_, port, err := net.SplitHostPort(spec.Server.Listen)
	if err != nil {
		return err
	}
	spec.Server.Listen = net.JoinHostPort(addr, port)
	spec.Load.Target, err = onServerHost(spec.Load, addr)
	return err
}

// mapSources maps loopback source addresses in place to a client host's:
// 127.0.0.1 to hostAddr(0), 127.0.0.K (K = 2..150) to hostAddr(K), which
// it returns to be added to the client's link.
func mapSources(sources []string, hostAddr func(extra int) netip.Addr) (extra []string, err error) {
	for i, s := range sources {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() || !a.IsLoopback() {
			return nil, fmt.Errorf("source address %s: only 127.0.0.0/8 sources map onto a client host", s)
		}
		last := int(a.As4()[3])
		if last == 1 {
			sources[i] = hostAddr(0).String()
			continue
		}
		if last > 150 {
			return nil, fmt.Errorf("source address %s: 127.0.0.2-150 map onto a client host, no more", s)
		}
		sources[i] = hostAddr(last).String()
		extra = append(extra, fmt.Sprintf("%s/%d", sources[i], topology.PrefixLen))
	}
	return extra, nil
}

// twoHosts starts the server host for a two-hosts run and returns the
// function that stops it and fills in the socket tables of both sides,
// and notes for the report.
func twoHosts(ctx context.Context, spec *childSpec) (finish func(*report.Result), notes []string, err error) {
	sources, err := forTwoHosts(spec)
	if err != nil {
		return nil, nil, err
	}
	server, err := json.Marshal(serverHostSpec{spec.Server, spec.Destinations})
	if err != nil {
		return nil, nil, err
	}
	host := topology.Host{Sysctls: spec.Sysctls}
	tspec := topology.Spec{Client: host, Server: host, Netem: spec.Link}
	srv, err := topology.StartServerHost(ctx, tspec, ServerHostArg, string(server))
	if errors.Is(err, topology.ErrNoNetem) {
		// Shaping is a lesson about timing; the ports behave the same
		// without it, so run unshaped and say so.
		notes = append(notes, fmt.Sprintf("link shaping (netem delay %s, loss %g%%) is not available in this kernel (sch_netem, CONFIG_NET_SCH_NETEM): the link ran unshaped",
			spec.Link.Delay, spec.Link.LossPercent))
		tspec.Netem = nil
		srv, err = topology.StartServerHost(ctx, tspec, ServerHostArg, string(server))
	} else if err == nil && spec.Link != nil {
		notes = append(notes, fmt.Sprintf("link shaped with netem: delay %s, loss %g%%", spec.Link.Delay, spec.Link.LossPercent))
	}
	if err != nil {
		return nil, nil, err
	}
	if err := addAddresses(topology.ClientLink, sources); err != nil {
		srv.Close()
		return nil, nil, err
	}
	return func(res *report.Result) {
		// The client host's table, read as on one host: the ports held
		// toward the targets are the ones connect() runs out of.
		client, cerr := loopbackSockets(res.Config.Targets())
		server, serr := srv.Stop()
		srv.Close()
		if cerr != nil || serr != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("socket tables not read: client %v, server %v", cerr, serr))
			return
		}
		client.TimeWaitClient = client.States["TIME_WAIT"]
		client.TimeWaitServer = server.TimeWait
		res.Sockets = client
		res.Notes = append(res.Notes, fmt.Sprintf("two hosts: TIME_WAIT %d on the client host, %d on the server host", client.TimeWaitClient, server.TimeWait))
	}, notes, nil
}

// addAddresses adds addresses ("198.18.0.1/32") to a link. On lo, an
// address outside 127.0.0.0/8 is local but not "loopback" to tcp_tw_reuse=2.
func addAddresses(linkName string, addrs []string) error {
	if len(addrs) == 0 {
		return nil
	}
	link, err := netlink.LinkByName(linkName)
	if err != nil {
		return err
	}
	for _, a := range addrs {
		addr, err := netlink.ParseAddr(a)
		if err != nil {
			return fmt.Errorf("address %s: %w", a, err)
		}
		if err := netlink.AddrAdd(link, addr); err != nil {
			return fmt.Errorf("add %s to %s: %w", a, linkName, err)
		}
	}
	return nil
}

// onServerHost is load's Target moved to the server host's address addr,
// port (and, for HTTP, scheme and path) kept.
func onServerHost(load config.Load, addr string) (string, error) {
	targets := load.Targets()
	for i, t := range targets {
		_, p, err := net.SplitHostPort(t)
		if err != nil {
			return "", err
		}
		targets[i] = net.JoinHostPort(addr, p)
	}
	if load.Protocol != config.ProtocolHTTP {
		return strings.Join(targets, ","), nil
	}
	u, err := load.URL()
	if err != nil {
		return "", err
	}
	u.Host = targets[0]
	return u.String(), nil
}
