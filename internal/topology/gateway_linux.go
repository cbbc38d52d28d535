package topology

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/sysctl"
)

// NATTable is the nftables table SetupGateway adds, in the gateway's own
// namespace only.
const NATTable = "portlab"

// SetupGateway makes this namespace a NAT gateway: forwarding on, the SNAT
// addresses on OutsideLink (which must exist: start the server host first),
// an nftables table NATTable whose postrouting chain translates every flow
// leaving by OutsideLink to the pool, and the conntrack knobs. It refuses
// to run in the host's namespace.
func SetupGateway(g Gateway) error {
	if err := g.Validate(); err != nil {
		return fmt.Errorf("topology: gateway: %w", err)
	}
	if !netns.Inside() || netns.IsHost() {
		return errors.New("topology: SetupGateway refused: this process is not in a private network namespace made by netns.Command")
	}
	if err := sysctl.Write("net.ipv4.ip_forward", "1"); err != nil {
		return fmt.Errorf("topology: gateway: %w", err)
	}
	link, err := netlink.LinkByName(OutsideLink)
	if err != nil {
		return fmt.Errorf("topology: gateway: find %s: %w", OutsideLink, err)
	}
	for i := range g.SNATAddresses {
		a := &netlink.Addr{IPNet: &net.IPNet{IP: SNATAddr(i).AsSlice(), Mask: net.CIDRMask(32, 32)}}
		if err := netlink.AddrAdd(link, a); err != nil {
			return fmt.Errorf("topology: gateway: add %s to %s: %w", SNATAddr(i), OutsideLink, err)
		}
	}
	if err := addSNAT(g); err != nil {
		return fmt.Errorf("topology: gateway: nftables: %w", err)
	}
	// The conntrack sysctls exist once the NAT rule has loaded conntrack.
	return conntrackSysctls(g)
}

// conntrackSysctls writes the gateway's conntrack knobs.
func conntrackSysctls(g Gateway) error {
	set := map[string]int{}
	if g.TimeWait > 0 {
		set["net.netfilter.nf_conntrack_tcp_timeout_time_wait"] = int(g.TimeWait.Seconds())
	}
	if g.Established > 0 {
		set["net.netfilter.nf_conntrack_tcp_timeout_established"] = int(g.Established.Seconds())
	}
	for name, v := range set {
		if err := sysctl.Write(name, strconv.Itoa(v)); err != nil {
			return fmt.Errorf("topology: gateway: %w", err)
		}
	}
	return nil
}

// addSNAT adds the table, its postrouting NAT chain and the SNAT rules, in
// one batch. With several addresses and SpreadRoundRobin, rule i takes
// every (n-i)-th flow of those the rules before it left
// (numgen inc mod n-i == 0), so the flows go to the addresses in turn;
// the last rule takes the rest.
func addSNAT(g Gateway) error {
	c, err := nftables.New()
	if err != nil {
		return err
	}
	table := c.AddTable(&nftables.Table{Family: nftables.TableFamilyIPv4, Name: NATTable})
	chain := c.AddChain(&nftables.Chain{
		Name: "postrouting", Table: table,
		Type: nftables.ChainTypeNAT, Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource,
	})
	oif := []expr.Any{
		&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: ifname(OutsideLink)},
	}
	if g.Spread == SpreadHash || g.SNATAddresses == 1 {
		last := SNATAddr(g.SNATAddresses - 1)
		c.AddRule(&nftables.Rule{Table: table, Chain: chain, Exprs: append(oif, snat(SNATAddr(0), last, g)...)})
		return c.Flush()
	}
	for i := range g.SNATAddresses {
		exprs := append([]expr.Any{}, oif...)
		if n := g.SNATAddresses - i; n > 1 {
			exprs = append(exprs,
				&expr.Numgen{Register: 1, Modulus: uint32(n), Type: unix.NFT_NG_INCREMENTAL},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binary.NativeEndian.AppendUint32(nil, 0)},
			)
		}
		a := SNATAddr(i)
		c.AddRule(&nftables.Rule{Table: table, Chain: chain, Exprs: append(exprs, snat(a, a, g)...)})
	}
	return c.Flush()
}

// snat translates to the addresses first..last and the gateway's ports.
func snat(first, last netip.Addr, g Gateway) []expr.Any {
	return []expr.Any{
		&expr.Immediate{Register: 1, Data: first.AsSlice()},
		&expr.Immediate{Register: 2, Data: last.AsSlice()},
		&expr.Immediate{Register: 3, Data: binary.BigEndian.AppendUint16(nil, uint16(g.SNATPorts.Min))},
		&expr.Immediate{Register: 4, Data: binary.BigEndian.AppendUint16(nil, uint16(g.SNATPorts.Max))},
		&expr.NAT{
			Type: expr.NATTypeSourceNAT, Family: unix.NFPROTO_IPV4,
			RegAddrMin: 1, RegAddrMax: 2, RegProtoMin: 3, RegProtoMax: 4,
			Specified: true,
		},
	}
}

// ifname is an interface name as nftables compares it: IFNAMSIZ bytes,
// NUL-padded.
func ifname(name string) []byte {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return b
}

// NATTables lists the nftables tables of this namespace, for checks that
// nothing was left where it should not be.
func NATTables() ([]string, error) {
	c, err := nftables.New()
	if err != nil {
		return nil, err
	}
	tables, err := c.ListTables()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range tables {
		names = append(names, t.Name)
	}
	return names, nil
}
