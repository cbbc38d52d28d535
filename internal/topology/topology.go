package topology

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"
)

// The addresses of the two hosts, from the benchmarking range 198.18.0.0/15
// (RFC 2544), so they can never be mistaken for, or routed to, a real host.
const (
	ClientAddr = "198.18.0.1"
	ServerAddr = "198.18.0.2"
	PrefixLen  = 24
)

// The veth ends: ClientLink in the client namespace, ServerLink in the
// server's. Per-interface sysctls name them, e.g.
// "net.ipv4.conf.veth-server.rp_filter": each host writes its sysctls once
// its link exists, so the conf.default ones do not reach it.
const (
	ClientLink = "veth-client"
	ServerLink = "veth-server"
)

// Veth is a veth pair from this host's namespace to a peer's (StartPeer).
type Veth struct {
	// Local and Peer name the pair's ends, here and in the peer.
	Local, Peer string
	// LocalAddrs go on the local end, the first one the peer's gateway
	// when PeerRoute; PeerAddr goes on the peer's.
	LocalAddrs []netip.Prefix
	PeerAddr   netip.Prefix
	// PeerRoute gives the peer a default route via LocalAddrs[0].
	PeerRoute bool
}

// twoHosts is the two-host topology's link, as the client host starts it.
var twoHosts = Veth{
	Local: ClientLink, Peer: ServerLink,
	LocalAddrs: []netip.Prefix{netip.PrefixFrom(netip.MustParseAddr(ClientAddr), PrefixLen)},
	PeerAddr:   netip.PrefixFrom(netip.MustParseAddr(ServerAddr), PrefixLen),
}

// EnvServerHost is set to "1" in the environment of the server host that
// StartServerHost starts; IsServerHost reads it.
const EnvServerHost = "PORTLAB_TOPOLOGY_SERVER"

// IsServerHost reports whether this process is a server host started by
// StartServerHost, which must call ServeHost.
func IsServerHost() bool {
	return os.Getenv(EnvServerHost) == "1"
}

// Spec describes the two hosts and the link between them.
type Spec struct {
	Client, Server Host
	// Netem shapes the client's egress (client to server), so a Delay
	// adds to every round trip once; nil leaves the link unshaped.
	Netem *Netem
}

// Host is one side of the topology.
type Host struct {
	// Sysctls are written in the host's own namespace, dotted names as keys
	// ("net.ipv4.tcp_tw_reuse": "0").
	Sysctls map[string]string
}

// Netem is link shaping by the kernel's netem queueing discipline.
type Netem struct {
	Delay       time.Duration
	LossPercent float64
}

// maxDelay keeps the delay in netem's 32-bit microseconds with room to
// spare; a minute of delay is already no lab any more.
const maxDelay = time.Minute

// Validate reports every invalid field by name.
func (s Spec) Validate() error {
	if s.Netem == nil {
		return nil
	}
	var errs []error
	if d := s.Netem.Delay; d < 0 || d > maxDelay {
		errs = append(errs, fmt.Errorf("netem.delay: must be 0..%s, got %s", maxDelay, d))
	}
	if l := s.Netem.LossPercent; !(l >= 0 && l <= 100) {
		errs = append(errs, fmt.Errorf("netem.loss_percent: must be 0..100, got %g", l))
	}
	if len(errs) == 0 && s.Netem.Delay == 0 && s.Netem.LossPercent == 0 {
		errs = append(errs, errors.New("netem: set a delay or a loss, or leave netem out"))
	}
	return errors.Join(errs...)
}

// ErrNoNetem is wrapped by StartServerHost's error when the spec asks for
// netem and the kernel has no sch_netem (CONFIG_NET_SCH_NETEM unset, or the
// module missing and not loadable from inside a namespace).
var ErrNoNetem = errors.New("topology: the kernel has no netem queueing discipline (sch_netem, CONFIG_NET_SCH_NETEM)")

// Sockets summarises the TCP socket table of one host's namespace.
type Sockets struct {
	// States counts sockets by state name ("TIME_WAIT", "ESTABLISHED",
	// ...); states with no socket are absent.
	States map[string]int `json:"states"`
	// TimeWait is States["TIME_WAIT"]: the ports this side holds after
	// closing first.
	TimeWait int `json:"time_wait"`
}
