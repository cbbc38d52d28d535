package ports

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/portlab/portlab/internal/procsock"
	"github.com/portlab/portlab/internal/sockstate"
)

// timeWaitS is Linux's TCP_TIMEWAIT_LEN, fixed at compile time.
const timeWaitS = 60

// What the owner lists cannot show.
const (
	unseenTimeWait   = "closed sockets (TIME_WAIT, and FIN_WAIT2 once closed) have no owner: the kernel holds their ports after the process let go (TIME_WAIT for 60 s), so the owners named are those with sockets still open toward the destination"
	unseenUnreadable = "%d processes' descriptors could not be read (other users'): run as root to name them"
)

// attachOwners names the processes holding each destination's sockets, by
// matching the sockets' inodes against the descriptors seen by scans
// around the dump (procsock.Scan, merged), or says why it cannot.
func attachOwners(r *Report, s *sockstate.Sample, res *procsock.Result, err error) {
	if err != nil {
		if !errors.Is(err, errors.ErrUnsupported) {
			err = fmt.Errorf("socket owners: %w", err)
		}
		r.OwnersUnseen = append(r.OwnersUnseen, err.Error())
		return
	}
	r.OwnersScanned, r.OwnersUnreadable = res.Scanned, res.Denied
	r.OwnersUnseen = append(r.OwnersUnseen, unseenTimeWait)
	if res.Denied > 0 {
		r.OwnersUnseen = append(r.OwnersUnseen, fmt.Sprintf(unseenUnreadable, res.Denied))
	}
	byRemote := make(map[string][]uint32, len(s.Destinations))
	for _, sd := range s.Destinations {
		byRemote[sd.Remote.String()] = sd.Inodes
	}
	for i := range r.Destinations {
		d := &r.Destinations[i]
		d.Owners, d.UnownedSockets = owners(byRemote[d.Remote], res.Owners, sockets(d.States))
	}
	explain(r)
}

// scanAround runs dump between two scans of the processes, so that a
// socket that lived through either scan is named: a churning client's
// connections may last less than one scan.
func scanAround(dump func()) (*procsock.Result, error) {
	before, err := procsock.Scan()
	dump()
	if err != nil {
		return nil, err
	}
	after, err := procsock.Scan()
	if err != nil {
		return nil, err
	}
	before.Merge(after)
	return before, nil
}

// owners counts the sockets each process holds among inodes; the rest of
// total is unowned.
func owners(inodes []uint32, held map[uint32][]procsock.Process, total int) ([]Owner, int) {
	count := map[procsock.Process]int{}
	owned := 0
	for _, ino := range inodes {
		ps := held[ino]
		if len(ps) > 0 {
			owned++
		}
		for _, p := range ps {
			count[p]++
		}
	}
	out := make([]Owner, 0, len(count))
	for p, n := range count {
		out = append(out, Owner{PID: p.PID, Command: p.Command, Sockets: n})
	}
	slices.SortFunc(out, func(a, b Owner) int { return cmp.Or(b.Sockets-a.Sockets, a.PID-b.PID) })
	return out, max(total-owned, 0)
}

func sockets(states map[string]int) int {
	n := 0
	for _, c := range states {
		n += c
	}
	return n
}

// explain sets each destination's side closing first, pattern, close rate
// and cure from its states, the host's settings and any growth measured.
func explain(r *Report) {
	r.SustainablePerS = float64(r.UsablePorts) / timeWaitS
	for i := range r.Destinations {
		d := &r.Destinations[i]
		st := d.States
		here := st["TIME_WAIT"] + st["FIN_WAIT1"] + st["FIN_WAIT2"] + st["CLOSING"]
		there := st["CLOSE_WAIT"] + st["LAST_ACK"]
		switch {
		case here > there:
			d.ClosesFirst = "this host"
		case there > here:
			d.ClosesFirst = "remote"
		default:
			d.ClosesFirst = "neither yet"
		}
		d.ClosesPerS = float64(st["TIME_WAIT"]) / timeWaitS
		d.Pattern = pattern(st)
		d.Cure = cure(r, d)
	}
}

// pattern names the state that holds most of the destination's sockets.
func pattern(st map[string]int) string {
	closing := st["TIME_WAIT"] + st["FIN_WAIT1"] + st["FIN_WAIT2"] + st["CLOSING"]
	candidates := []struct {
		name string
		n    int
	}{
		{"closes_first", closing},
		{"close_wait", st["CLOSE_WAIT"] + st["LAST_ACK"]},
		{"connecting", st["SYN_SENT"]},
		{"held_open", st["ESTABLISHED"]},
	}
	best := candidates[len(candidates)-1]
	for _, c := range candidates {
		if c.n > best.n {
			best = c
		}
	}
	return best.name
}

// who names a destination's owners for a sentence: "pid 12 (curl)".
func who(d *Destination) string {
	if len(d.Owners) == 0 {
		return "this host"
	}
	parts := make([]string, 0, 3)
	for _, o := range d.Owners[:min(len(d.Owners), 3)] {
		parts = append(parts, fmt.Sprintf("pid %d (%s)", o.PID, o.Command))
	}
	if n := len(d.Owners) - 3; n > 0 {
		parts = append(parts, fmt.Sprintf("%d more", n))
	}
	return strings.Join(parts, ", ")
}

// forecast says how long the destination's ports last at the measured
// growth, or how to measure it.
func forecast(d *Destination) string {
	switch {
	case d.ExhaustionInS != nil:
		return fmt.Sprintf("at %+.1f ports/s it runs out in %s", *d.GrowthPerS, formatExhaustion(d.ExhaustionInS))
	case d.GrowthPerS != nil:
		return fmt.Sprintf("not growing now (%+.1f ports/s)", *d.GrowthPerS)
	}
	return "run with --watch 5s for the time to exhaustion"
}

// cure is the advice for the destination's pattern on this host.
func cure(r *Report, d *Destination) string {
	switch d.Pattern {
	case "close_wait":
		return fmt.Sprintf("%s closed first and %s has not closed %d sockets (CLOSE_WAIT): a descriptor leak; close the connection (and response body) on every path. No sysctl helps; %s.",
			d.Remote, who(d), d.States["CLOSE_WAIT"], forecast(d))
	case "connecting":
		return fmt.Sprintf("%d connections from %s wait for %s to answer (SYN_SENT): it is slow or drops SYNs; bound the connect timeout and back off retries; %s.",
			d.States["SYN_SENT"], who(d), d.Remote, forecast(d))
	case "held_open":
		if calm(d) {
			return fmt.Sprintf("%s holds %d connections open toward %s (%.1f%% of %d usable ports): nothing to cure below 60%%; keep its pool well below the range; %s.",
				who(d), d.States["ESTABLISHED"], d.Remote, d.UsagePercent, r.UsablePorts, forecast(d))
		}
		return fmt.Sprintf("%s holds %d connections open toward %s (%.1f%% of %d usable ports): cap the pool (connections per host) well below the range, or spread over more destination or source IPs (a port is unique per 4-tuple); %s.",
			who(d), d.States["ESTABLISHED"], d.Remote, d.UsagePercent, r.UsablePorts, forecast(d))
	}
	if calm(d) {
		limit := fmt.Sprintf("%.0f new connections/s toward it (%d usable ports / 60 s of TIME_WAIT)", r.SustainablePerS, r.UsablePorts)
		if twReuseApplies(r, d) {
			limit = fmt.Sprintf("about %d new connections/s toward it (tcp_tw_reuse %d reuses a TIME_WAIT port after 1 s)", r.UsablePorts, *r.TCPTwReuse)
		}
		return fmt.Sprintf("%s closes first toward %s (TIME_WAIT here): nothing to cure at %.1f%%, but beyond %s the range runs out; %s.",
			who(d), d.Remote, d.UsagePercent, limit, forecast(d))
	}
	return fmt.Sprintf("%s closes first toward %s, so each connection leaves its port in TIME_WAIT for 60 s: it closed at least %.1f/s over the last minute, "+
		"and %d usable ports sustain %.0f new connections/s toward one destination; %s. Cure: reuse connections toward %s (a pool or HTTP keep-alive; "+
		"in Go raise Transport.MaxIdleConnsPerHost, default 2, and read and close every body), or let %s close first. %s %s",
		who(d), d.Remote, d.ClosesPerS, r.UsablePorts, r.SustainablePerS, forecast(d), d.Remote, d.Remote, twReuseAdvice(r, d), rangeAdvice(r))
}

// calm reports whether d is below warn and not forecast to run out within
// 10 minutes: its cure can be short.
func calm(d *Destination) bool {
	return d.Level == levelOK && (d.ExhaustionInS == nil || *d.ExhaustionInS > 600)
}

// twReuseAdvice says what tcp_tw_reuse, as set here, does for d.
func twReuseAdvice(r *Report, d *Destination) string {
	if r.TCPTwReuse == nil {
		return ""
	}
	switch v := *r.TCPTwReuse; {
	case twReuseApplies(r, d):
		return fmt.Sprintf("tcp_tw_reuse is %d, which already lets connect() take a TIME_WAIT port 1 s after its last packet toward %s (with TCP timestamps): about %d/s.",
			v, d.Remote, r.UsablePorts)
	case v == 2:
		return fmt.Sprintf("tcp_tw_reuse is 2 (loopback only), which does not cover %s: sysctl -w net.ipv4.tcp_tw_reuse=1 lets connect() take a TIME_WAIT port 1 s after its last packet (needs TCP timestamps), about %d/s.",
			d.Remote, r.UsablePorts)
	default:
		return fmt.Sprintf("tcp_tw_reuse is %d (off): sysctl -w net.ipv4.tcp_tw_reuse=1 lets connect() take a TIME_WAIT port 1 s after its last packet (needs TCP timestamps), about %d/s.",
			v, r.UsablePorts)
	}
}

// twReuseApplies reports whether tcp_tw_reuse, as set here, lets
// connect() reuse TIME_WAIT ports toward d: 1 everywhere, 2 on loopback.
func twReuseApplies(r *Report, d *Destination) bool {
	if r.TCPTwReuse == nil {
		return false
	}
	ap, err := netip.ParseAddrPort(d.Remote)
	loopback := err == nil && ap.Addr().IsLoopback()
	return *r.TCPTwReuse == 1 || (*r.TCPTwReuse == 2 && loopback)
}

// fullRange is the widest ip_local_port_range that leaves the well-known
// ports alone.
const fullRange = 65535 - 1024 + 1

// rangeAdvice says how far the range could grow, and what reserved ports
// take from it.
func rangeAdvice(r *Report) string {
	s := fmt.Sprintf("The range is %d-%d: %d ports", r.IPLocalPortRange[0], r.IPLocalPortRange[1], r.PortsInRange)
	if r.ReservedInRange > 0 {
		s += fmt.Sprintf(", %d of them reserved (%s)", r.ReservedInRange, strings.Join(r.Reserved, ","))
	}
	if r.PortsInRange < fullRange {
		s += fmt.Sprintf("; 1024-65535 would give %d (reserve the listening ports inside it first)", fullRange)
	}
	return s + "."
}
