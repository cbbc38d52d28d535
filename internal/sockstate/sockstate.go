package sockstate

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
)

// Sample is one snapshot of the TCP sockets of a network namespace.
type Sample struct {
	// States counts sockets by state name (see [StateName]); states with no
	// socket are absent.
	States map[string]int
	// Destinations groups every non-LISTEN socket by its remote IP:port,
	// sorted by Ports (descending), then by Remote.
	Destinations []Destination
	// Listeners holds the local address of every listening socket, sorted by
	// port, then address.
	Listeners []netip.AddrPort
}

// Destination is what the sockets of one remote IP:port hold.
type Destination struct {
	// Remote is the peer's address; IPv4-mapped IPv6 addresses are unmapped,
	// so a peer reached over both families is reported once.
	Remote netip.AddrPort
	// Ports is the number of distinct local ports held toward Remote. A local
	// port is unique per 4-tuple, so this, not the socket total, is what runs
	// out when connect() fails with EADDRNOTAVAIL.
	Ports int
	// LocalPorts lists those ports in ascending order (len(LocalPorts) ==
	// Ports), so callers can keep only the ones inside the ephemeral range.
	LocalPorts []uint16
	// States counts the sockets toward Remote by state name.
	States map[string]int
	// Inodes lists the socket inodes toward Remote that a process may hold
	// (ascending): /proc/PID/fd links to "socket:[INODE]" name the owners.
	// A TIME_WAIT socket has no inode; the kernel alone holds it.
	Inodes []uint32
}

// Kernel TCP states (include/net/tcp_states.h).
const (
	stateEstablished   = 1
	stateTimeWait      = 6
	stateListen        = 10
	stateBoundInactive = 13
)

var stateNames = [...]string{
	1:                  "ESTABLISHED",
	2:                  "SYN_SENT",
	3:                  "SYN_RECV",
	4:                  "FIN_WAIT1",
	5:                  "FIN_WAIT2",
	stateTimeWait:      "TIME_WAIT",
	7:                  "CLOSE",
	8:                  "CLOSE_WAIT",
	9:                  "LAST_ACK",
	stateListen:        "LISTEN",
	11:                 "CLOSING",
	12:                 "NEW_SYN_RECV",
	stateBoundInactive: "BOUND_INACTIVE",
}

// StateName returns the kernel's name for TCP state s ("ESTABLISHED",
// "TIME_WAIT", ...), or "STATE_<n>" for a value it does not know.
func StateName(s uint8) string {
	if int(s) < len(stateNames) && stateNames[s] != "" {
		return stateNames[s]
	}
	return fmt.Sprintf("STATE_%d", s)
}

// entry is one socket as the platform code reports it.
type entry struct {
	state         uint8
	local, remote netip.AddrPort
	inode         uint32 // 0 for TIME_WAIT and other orphans
}

// unmap turns ::ffff:a.b.c.d into a.b.c.d, so that a dual-stack socket and
// an IPv4 socket toward the same peer land in one Destination.
func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// build aggregates sockets into a Sample. It sorts the connected sockets by
// remote and local port and cuts every destination's ports and inodes out
// of two shared arrays: with one destination per accepted connection on a
// busy server, per-destination sets cost several allocations per socket.
// It reorders entries.
func build(entries []entry) *Sample {
	s := &Sample{States: make(map[string]int)}
	n := 0
	for _, e := range entries {
		s.States[StateName(e.state)]++
		if e.state == stateListen {
			s.Listeners = append(s.Listeners, unmap(e.local))
			continue
		}
		e.remote = unmap(e.remote)
		entries[n] = e
		n++
	}
	conns := entries[:n]
	slices.SortFunc(conns, func(a, b entry) int {
		return cmp.Or(a.remote.Compare(b.remote), cmp.Compare(a.local.Port(), b.local.Port()))
	})
	ports := make([]uint16, 0, len(conns))
	inodes := make([]uint32, 0, len(conns))
	s.Destinations = []Destination{}
	for i := 0; i < len(conns); {
		d := Destination{Remote: conns[i].remote, States: make(map[string]int, 1)}
		p0, i0 := len(ports), len(inodes)
		for ; i < len(conns) && conns[i].remote == d.Remote; i++ {
			e := conns[i]
			if len(ports) == p0 || ports[len(ports)-1] != e.local.Port() {
				ports = append(ports, e.local.Port())
			}
			if e.inode != 0 {
				inodes = append(inodes, e.inode)
			}
			d.States[StateName(e.state)]++
		}
		d.LocalPorts = ports[p0:len(ports):len(ports)]
		d.Ports = len(d.LocalPorts)
		if len(inodes) > i0 {
			d.Inodes = inodes[i0:len(inodes):len(inodes)]
			slices.Sort(d.Inodes)
		}
		s.Destinations = append(s.Destinations, d)
	}
	slices.SortFunc(s.Destinations, func(a, b Destination) int {
		if a.Ports != b.Ports {
			return b.Ports - a.Ports
		}
		return a.Remote.Compare(b.Remote)
	})
	slices.SortFunc(s.Listeners, func(a, b netip.AddrPort) int {
		if a.Port() != b.Port() {
			return int(a.Port()) - int(b.Port())
		}
		return a.Addr().Compare(b.Addr())
	})
	return s
}
