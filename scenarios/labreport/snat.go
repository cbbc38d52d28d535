package labreport

import (
	"fmt"

	"github.com/portlab/portlab/report"
)

// snatCause explains connect timeouts behind a NAT gateway: SNAT
// exhaustion when the gateway's conntrack table held as many flows as its
// pool translates, or it counted refused flows; else timeouts the gateway
// did not cause. A NAT gateway drops a SYN it cannot translate, so its
// exhaustion shows at the client as timeouts, never as EADDRNOTAVAIL.
func snatCause(r *report.Result) *report.Finding {
	n, o, _ := r.Timeouts()
	peak, gw := r.GatewayPeak()
	if !gw || n == 0 {
		return nil
	}
	g, flows, dropped := r.Gateway, r.PoolFlows(), r.GatewayDropped()
	f := &report.Finding{Run: r.Label,
		Cause: fmt.Sprintf("%d connects timed out, the first %.3fs into the run, after %d connections, with the client's own ports %s:",
			n, o.AtS, o.ConnectionsBefore, clientPorts(r))}
	held := fmt.Sprintf("its conntrack table held %d entries at its fullest", peak.Entries)
	if s := peak.StatesText(); s != "" {
		held += " (" + s + ")"
	}
	counted := fmt.Sprintf("and it counted %d insert_failed, %d drop and %d early_drop", g.End.InsertFailed, g.End.Drop, g.End.EarlyDrop)
	switch {
	case g.ConntrackMax > 0 && peak.Entries >= g.ConntrackMax:
		f.Why = []string{fmt.Sprintf("The NAT gateway's conntrack table was full: %s, its nf_conntrack_max %d, %s.", held, g.ConntrackMax, counted),
			"A gateway with a full table drops the SYN of every new flow, so connect() waits until it times out."}
		f.Fix = []string{"a larger nf_conntrack_max at the gateway, or shorter conntrack timeouts for closed flows",
			"reuse connections (--mode pool or --mode keepalive), so fewer flows cross the gateway"}
		return f
	case flows > 0 && (peak.Entries >= flows*9/10 || dropped > 0):
	default:
		f.Why = []string{fmt.Sprintf("Not SNAT exhaustion: the NAT gateway translates %s, %s, %s.", r.PoolText(), held, counted),
			"It had pairs to spare, so the SYNs were lost further on: at the server (a full accept queue) or on the path."}
		f.Fix = []string{"look at the server's listen backlog and SYN drops (nstat -az TcpExtListenDrops), or give --connect-timeout the path's round trip"}
		return f
	}
	f.Cause = "SNAT exhaustion at the NAT gateway: " + f.Cause
	f.Why = []string{
		fmt.Sprintf("The gateway translates each flow to one of its SNAT (address, port) pairs, unique per destination: %s.", r.PoolText()),
		fmt.Sprintf("Predicted onset: %d concurrent flows%s; %s, %s.", flows, hashed(r, flows), held, counted),
		"A new flow found no free pair, so the gateway dropped its SYN and the client's connect() waited until it timed out.",
	}
	if g.Clients > 1 {
		f.Why = append(f.Why, fmt.Sprintf("%d client hosts share the gateway: each is within its own ports, together they exhaust the gateway's pool.", g.Clients))
	}
	f.Why = append(f.Why, "Cloud NAT gateways also hold a port for a while after its flow closes, where this Linux gateway takes over a "+
		"mapping whose conntrack entry is in TIME_WAIT: there, churning new connections exhausts the pool too.")
	f.Fix = []string{
		fmt.Sprintf("more gateway addresses: each adds %d ports toward each destination", g.SNATPorts()),
		"more destinations (server addresses or ports): each gets the whole pool again",
		fmt.Sprintf("reuse connections with a bounded pool (--mode pool, --pool-size at most %d) or keep-alive with fewer workers, so concurrent flows stay under the pool", flows),
		fmt.Sprintf("a wider SNAT port range than %d-%d", g.PortMin, g.PortMax),
	}
	return f
}

// clientPorts says whether r's own ephemeral ports ran out: "free (no
// EADDRNOTAVAIL, a 28232-port range)".
func clientPorts(r *report.Result) string {
	if r.Errors["EADDRNOTAVAIL"] > 0 {
		return fmt.Sprintf("also exhausted (%d EADDRNOTAVAIL)", r.Errors["EADDRNOTAVAIL"])
	}
	e := r.Environment
	if n := e.IPLocalPortRange[1] - e.IPLocalPortRange[0] + 1; e.IPLocalPortRange[0] > 0 && n > 0 {
		return fmt.Sprintf("free (no EADDRNOTAVAIL, a %d-port range)", n)
	}
	return "free (no EADDRNOTAVAIL)"
}

// gatewayEffect is what a run's NAT gateway measured: "NAT gateway: at
// most 100 conntrack entries for a pool of 100 flows, ..., 0 SYNs
// dropped"; "" without one.
func gatewayEffect(r *report.Result) string {
	peak, ok := r.GatewayPeak()
	if !ok {
		return ""
	}
	s := fmt.Sprintf("NAT gateway: at most %d conntrack entries for a pool of %d flows", peak.Entries, r.PoolFlows())
	if st := r.Gateway.End.StatesText(); st != "" {
		s += fmt.Sprintf(", %s at the end", st)
	}
	return s + fmt.Sprintf(", %d SYNs dropped", r.GatewayDropped())
}

// hashed says why a pool holds fewer flows than its ports × addresses ×
// destinations: the kernel picks a flow's address by a hash of its source
// and destination addresses.
func hashed(r *report.Result, flows int) string {
	if flows >= r.SNATFlows() {
		return ""
	}
	return " (not all of the pool: the kernel picks each flow's address by a hash of its source and destination addresses)"
}
