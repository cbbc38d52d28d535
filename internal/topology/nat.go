package topology

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The NAT topology: client hosts behind a gateway, the gateway in front of
// a server host, every address in the benchmarking range 198.18.0.0/15.
//
//	client k (198.18.k+1.2) ── veth-gwK/veth-client ── gateway ── veth-out/veth-server ── server (198.19.0.2)
//	                                                   (SNAT to 198.19.0.101...)
//
// The server has no route back to the clients' networks: only the
// gateway's source NAT makes its replies find them.
const (
	// OutsideLink is the gateway's end of its link to the server host;
	// the server's end is ServerLink.
	OutsideLink = "veth-out"
	// NATServerAddr is the server host's address behind the gateway.
	NATServerAddr = "198.19.0.2"
	// GatewayOutsideAddr is the gateway's own address on OutsideLink.
	GatewayOutsideAddr = "198.19.0.1"
	// MaxClients is how many client hosts a gateway takes: one /24 each.
	MaxClients = 64
	// MaxSNATAddresses bounds the SNAT pool's addresses (198.19.0.101 up).
	MaxSNATAddresses = 100
)

// NATServerVeth is the gateway's link to the server host.
func NATServerVeth() Veth {
	return Veth{
		Local: OutsideLink, Peer: ServerLink,
		LocalAddrs: []netip.Prefix{netip.PrefixFrom(netip.MustParseAddr(GatewayOutsideAddr), PrefixLen)},
		PeerAddr:   netip.PrefixFrom(netip.MustParseAddr(NATServerAddr), PrefixLen),
	}
}

// NATClientVeth is the gateway's link to client host k (from 0): the
// network 198.18.k+1.0/24, the gateway .1, the client .2 with its default
// route via the gateway.
func NATClientVeth(k int) Veth {
	return Veth{
		Local: "veth-gw" + strconv.Itoa(k), Peer: ClientLink,
		LocalAddrs: []netip.Prefix{netip.PrefixFrom(clientNet(k, 1), PrefixLen)},
		PeerAddr:   netip.PrefixFrom(NATClientAddr(k, 0), PrefixLen),
		PeerRoute:  true,
	}
}

// NATClientAddr is client host k's address: .2 of its network, or with
// extra > 0 its extra source address .extra+100 (which the caller adds to
// ClientLink in the client host).
func NATClientAddr(k, extra int) netip.Addr {
	if extra > 0 {
		return clientNet(k, byte(100+extra))
	}
	return clientNet(k, 2)
}

// clientNet is address .host of client host k's network, 198.18.k+1.0/24.
func clientNet(k int, host byte) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 18, byte(k + 1), host})
}

// SNATAddr is the gateway's i-th SNAT address (from 0), on OutsideLink.
func SNATAddr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{198, 19, 0, byte(101 + i)})
}

// Gateway is a NAT gateway: its source-NAT pool and its conntrack timeouts.
// (nf_conntrack_max is no knob: outside the host's namespace the kernel
// makes it read-only, 6.18 included, as it is one limit for all of them.)
// Its YAML keys are a scenario's gateway section, decoded straight onto it.
type Gateway struct {
	// Clients is how many client hosts share the gateway, each running
	// the run's load.
	Clients int `json:"clients" yaml:"clients"`
	// SNATAddresses is how many outside addresses the pool has
	// (SNATAddr(0) up); SNATPorts the ports of each, toward each
	// destination.
	SNATAddresses int       `json:"snat_addresses" yaml:"snat_addresses"`
	SNATPorts     PortRange `json:"snat_ports" yaml:"snat_ports"`
	// Spread is how a new flow picks its address when there are several:
	// SpreadRoundRobin or SpreadHash.
	Spread Spread `json:"spread,omitempty" yaml:"snat_spread"`
	// TimeWait and Established, when > 0, are the conntrack TCP timeouts
	// of those states (whole seconds); 0 keeps the kernel's (120 s, 5
	// days).
	TimeWait    time.Duration `json:"time_wait,omitempty" yaml:"conntrack_time_wait"`
	Established time.Duration `json:"established,omitempty" yaml:"conntrack_established"`
}

// PortRange is the ports Min..Max; its text form is "LO-HI", as a
// scenario writes it.
type PortRange struct{ Min, Max int }

func (r PortRange) String() string { return fmt.Sprintf("%d-%d", r.Min, r.Max) }

// MarshalText writes "LO-HI".
func (r PortRange) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText reads "LO-HI": two port numbers in decimal digits (no
// sign: "+1024-2000" is a typo, not a range). Validate bounds them.
func (r *PortRange) UnmarshalText(b []byte) error {
	lo, hi, ok := strings.Cut(string(b), "-")
	lo, hi = strings.TrimSpace(lo), strings.TrimSpace(hi)
	digits := func(s string) bool {
		return s != "" && len(s) <= 5 && strings.Trim(s, "0123456789") == ""
	}
	if !ok || !digits(lo) || !digits(hi) {
		return fmt.Errorf("want LO-HI, such as 50000-50099, got %q", b)
	}
	r.Min, _ = strconv.Atoi(lo)
	r.Max, _ = strconv.Atoi(hi)
	return nil
}

// Spread is how the gateway picks an outside address for a new flow.
type Spread string

const (
	// SpreadRoundRobin hands the addresses out in turn (nftables numgen),
	// so one client toward one destination uses them all, as cloud NAT
	// gateways allocate ports across their addresses.
	SpreadRoundRobin Spread = "round-robin"
	// SpreadHash is the kernel's own choice for an address range (snat to
	// A-B): a hash of the source and destination addresses, so one client
	// toward one destination always gets the same address.
	SpreadHash Spread = "hash"
)

// Validate reports every invalid field by name.
func (g Gateway) Validate() error {
	var errs []error
	if g.Clients < 1 || g.Clients > MaxClients {
		errs = append(errs, fmt.Errorf("clients: must be 1..%d, got %d", MaxClients, g.Clients))
	}
	if g.SNATAddresses < 1 || g.SNATAddresses > MaxSNATAddresses {
		errs = append(errs, fmt.Errorf("snat_addresses: must be 1..%d, got %d", MaxSNATAddresses, g.SNATAddresses))
	}
	// Ports below 1024 are the kernel's for services; 0 would mean "any".
	if p := g.SNATPorts; p.Min < 1024 || p.Max > 65535 || p.Min > p.Max {
		errs = append(errs, fmt.Errorf("snat_ports: want LO-HI with 1024 <= LO <= HI <= 65535, got %s", p))
	}
	if g.Spread != "" && g.Spread != SpreadRoundRobin && g.Spread != SpreadHash {
		errs = append(errs, fmt.Errorf("snat_spread: must be %s or %s, got %q", SpreadRoundRobin, SpreadHash, g.Spread))
	}
	for _, t := range []struct {
		name string
		d    time.Duration
	}{{"conntrack_time_wait", g.TimeWait}, {"conntrack_established", g.Established}} {
		// The kernel keeps them in jiffies in an int.
		if t.d < 0 || t.d > 24*time.Hour || t.d%time.Second != 0 {
			errs = append(errs, fmt.Errorf("%s: must be whole seconds from 0 to 24h, got %s", t.name, t.d))
		}
	}
	return errors.Join(errs...)
}

// Ports is the pool's ports per address and destination.
func (g Gateway) Ports() int { return g.SNATPorts.Max - g.SNATPorts.Min + 1 }
