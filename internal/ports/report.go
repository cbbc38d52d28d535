package ports

import (
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/portlab/portlab/internal/sockstate"
)

// Report is the result of one inspection; its JSON form is part of
// portlab's output.
type Report struct {
	// OS is runtime.GOOS of the inspected host.
	OS string `json:"os"`
	// IPLocalPortRange is the inclusive ephemeral port range [lo, hi].
	IPLocalPortRange [2]int `json:"ip_local_port_range"`
	// PortsInRange is hi-lo+1.
	PortsInRange int `json:"ports_in_range"`
	// Reserved lists the ports kept out of automatic assignment, as entries
	// like "8080" and "9000-9010" (Linux ip_local_reserved_ports, Windows
	// excluded port ranges).
	Reserved []string `json:"reserved"`
	// ReservedInRange is how many distinct reserved ports lie in the range.
	ReservedInRange int `json:"reserved_in_range"`
	// UsablePorts is PortsInRange - ReservedInRange: what connect() can pick
	// from toward each destination.
	UsablePorts int `json:"usable_ports"`
	// TCPTwReuse is net.ipv4.tcp_tw_reuse (0 off, 1 on, 2 loopback only);
	// nil where there is no such setting.
	TCPTwReuse *int `json:"tcp_tw_reuse,omitempty"`
	// TCPFinTimeout is net.ipv4.tcp_fin_timeout in seconds. It bounds
	// FIN_WAIT2 only, not TIME_WAIT; nil where there is no such setting.
	TCPFinTimeout *int `json:"tcp_fin_timeout,omitempty"`
	// States counts TCP sockets by state name (see sockstate.StateName).
	States map[string]int `json:"states"`
	// Destinations lists the remote IP:ports toward which at least one local
	// port of the ephemeral range is held, sorted by PortsUsed descending.
	Destinations []Destination `json:"destinations"`
	// ListenersInRange lists listening sockets whose port lies in the range
	// and is not reserved: a client may take the port while the server is
	// down, and the server then fails to bind it.
	ListenersInRange []Listener `json:"listeners_in_range"`
	// Level is the worst Level of the destinations ("ok" when there are none).
	Level string `json:"level"`
	// SustainablePerS is UsablePorts / 60: the new connections per second
	// toward one destination that the range sustains when this host closes
	// first and tcp_tw_reuse does not apply (TIME_WAIT lasts 60 s).
	SustainablePerS float64 `json:"sustainable_per_s"`
	// OwnersScanned and OwnersUnreadable count the processes whose
	// descriptors were read, and those that could not be (another user's,
	// without root), when naming the owners of sockets.
	OwnersScanned    int `json:"owners_scanned_processes"`
	OwnersUnreadable int `json:"owners_unreadable_processes"`
	// OwnersUnseen says what the owner lists cannot show, and why.
	OwnersUnseen []string `json:"owners_unseen,omitempty"`
	// Unsupported says what could not be read on this OS, and why.
	Unsupported []string `json:"unsupported,omitempty"`
}

// Destination is the ephemeral port usage toward one remote IP:port.
type Destination struct {
	// Remote is the peer, "10.0.0.1:80" or "[2001:db8::1]:443".
	Remote string `json:"remote"`
	// PortsUsed counts the distinct local ports held toward Remote that lie
	// in the ephemeral range and are not reserved.
	PortsUsed int `json:"ports_used"`
	// UsagePercent is PortsUsed / Report.UsablePorts * 100.
	UsagePercent float64 `json:"usage_percent"`
	// Level is Level(UsagePercent).
	Level string `json:"level"`
	// States counts the sockets toward Remote by state name.
	States map[string]int `json:"states"`
	// GrowthPerS is the change of PortsUsed per second between the two
	// samples of [Watch]; nil from [Inspect].
	GrowthPerS *float64 `json:"growth_per_s,omitempty"`
	// ExhaustionInS is the time in seconds until UsablePorts are used up at
	// GrowthPerS; nil when PortsUsed is not growing.
	ExhaustionInS *float64 `json:"exhaustion_in_s,omitempty"`
	// Owners are the processes holding sockets toward Remote, most sockets
	// first (Linux; empty where they cannot be read).
	Owners []Owner `json:"owners"`
	// UnownedSockets counts the sockets toward Remote that no process seen
	// holds: TIME_WAIT ones (the kernel's alone) and those of processes
	// whose descriptors could not be read.
	UnownedSockets int `json:"unowned_sockets"`
	// ClosesFirst says which side closes first toward Remote, from the
	// states: "this host" (TIME_WAIT, FIN_WAIT here), "remote" (CLOSE_WAIT,
	// LAST_ACK here) or "neither yet" (nothing closing).
	ClosesFirst string `json:"closes_first"`
	// Pattern names what holds the ports: "closes_first" (TIME_WAIT),
	// "held_open" (ESTABLISHED), "close_wait" (the remote closed, the
	// process did not) or "connecting" (SYN_SENT).
	Pattern string `json:"pattern"`
	// ClosesPerS is TIME_WAIT / 60: a lower bound on how many connections
	// per second this host closed toward Remote over the last minute.
	ClosesPerS float64 `json:"closes_per_s"`
	// Cure is the specific advice for Pattern on this host, with its
	// settings and the forecast.
	Cure string `json:"cure"`
}

// Owner is a process holding sockets toward one destination.
type Owner struct {
	PID     int    `json:"pid"`
	Command string `json:"command"`
	// Sockets counts the sockets toward the destination it holds.
	Sockets int `json:"sockets"`
}

// Listener is a listening socket whose port lies inside the ephemeral range.
type Listener struct {
	// Local is the listening address, "0.0.0.0:40000" or "[::]:40000".
	Local string `json:"local"`
	// Port is the listening port.
	Port int `json:"port"`
	// Fix is the command that takes the port out of automatic assignment.
	Fix string `json:"fix"`
}

const (
	levelOK   = "ok"
	levelWarn = "warn"
	levelCrit = "crit"
)

// Level classifies the usage of one destination's ports: "ok" below 60%,
// "warn" from 60%, "crit" from 80%.
func Level(percent float64) string {
	switch {
	case percent >= 80:
		return levelCrit
	case percent >= 60:
		return levelWarn
	default:
		return levelOK
	}
}

func levelRank(l string) int { return slices.Index([]string{levelOK, levelWarn, levelCrit}, l) }

// FromSample computes the per-destination usage of the ephemeral range
// [rangeLo, rangeHi], less the inclusive reserved ranges, from a socket
// sample. Only local ports inside the range and not reserved count; a
// destination holding none is left out. The result is sorted by PortsUsed
// descending, then by remote address, and is never nil. A socket on a
// listening port is an accepted one, not a port connect() took: a server
// listening inside the range does not count against its clients.
func FromSample(rangeLo, rangeHi int, reserved [][2]int, s *sockstate.Sample) []Destination {
	usable := rangeHi - rangeLo + 1 - ReservedInRange(rangeLo, rangeHi, reserved)
	listening := make(map[uint16]bool, len(s.Listeners))
	for _, l := range s.Listeners {
		listening[l.Port()] = true
	}
	type dest struct {
		remote netip.AddrPort
		d      Destination
	}
	var ds []dest
	for _, sd := range s.Destinations {
		used := 0
		for _, p := range sd.LocalPorts {
			if int(p) >= rangeLo && int(p) <= rangeHi && !listening[p] && !InRanges(int(p), reserved) {
				used++
			}
		}
		if used == 0 {
			continue
		}
		pct := 100.0
		if usable > 0 {
			pct = float64(used) / float64(usable) * 100
		}
		ds = append(ds, dest{sd.Remote, Destination{
			Remote:       sd.Remote.String(),
			PortsUsed:    used,
			UsagePercent: pct,
			Level:        Level(pct),
			States:       maps.Clone(sd.States),
			Owners:       []Owner{},
		}})
	}
	slices.SortFunc(ds, func(a, b dest) int {
		if a.d.PortsUsed != b.d.PortsUsed {
			return b.d.PortsUsed - a.d.PortsUsed
		}
		return a.remote.Compare(b.remote)
	})
	out := make([]Destination, len(ds))
	for i, d := range ds {
		out[i] = d.d
	}
	return out
}

// fill completes r from its range and a socket sample.
func fill(r *Report, reserved [][2]int, s *sockstate.Sample) {
	lo, hi := r.IPLocalPortRange[0], r.IPLocalPortRange[1]
	maps.Copy(r.States, s.States)
	r.Destinations = FromSample(lo, hi, reserved, s)
	explain(r)
	for _, d := range r.Destinations {
		if levelRank(d.Level) > levelRank(r.Level) {
			r.Level = d.Level
		}
	}
	for _, l := range s.Listeners {
		p := int(l.Port())
		if p >= lo && p <= hi && !InRanges(p, reserved) {
			r.ListenersInRange = append(r.ListenersInRange, Listener{
				Local: l.String(), Port: p, Fix: reserveFix(r.Reserved, strconv.Itoa(p)),
			})
		}
	}
}

// reserveFix keeps the ports already reserved: writing the sysctl replaces
// the whole list.
func reserveFix(reserved []string, ports string) string {
	list := strings.Join(append(slices.Clone(reserved), ports), ",")
	return "sysctl -w net.ipv4.ip_local_reserved_ports=" + list + " (and persist it in /etc/sysctl.d/)"
}

// newReport returns a report for goos whose lists and maps are empty, not
// nil, so the JSON always carries every documented key.
func newReport(goos string) *Report {
	return &Report{
		OS:               goos,
		Reserved:         []string{},
		States:           map[string]int{},
		Destinations:     []Destination{},
		ListenersInRange: []Listener{},
		Level:            levelOK,
	}
}

// setRange records the range and the reserved ports.
func setRange(r *Report, lo, hi int, reserved [][2]int) {
	r.IPLocalPortRange = [2]int{lo, hi}
	r.PortsInRange = hi - lo + 1
	r.Reserved = formatRanges(reserved)
	r.ReservedInRange = ReservedInRange(lo, hi, reserved)
	r.UsablePorts = r.PortsInRange - r.ReservedInRange
}
