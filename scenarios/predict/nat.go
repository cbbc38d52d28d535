package predict

import (
	"fmt"
	"strings"

	"github.com/portlab/portlab/internal/topology"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

// OnsetTimeout is the class of exhaustion behind a NAT gateway: the
// gateway drops a SYN it has no free (address, port) for, so the client's
// connect times out; the client's own ports are fine.
const OnsetTimeout = "timeout"

// ForNAT finishes the client's prediction p for the nat topology: the
// gateway's SNAT pool holds ports x addresses x destinations flows at once
// (a source port is unique per destination, as on a client). Flows the load
// holds open beyond that, over all the clients, are SYNs the gateway drops:
// connects time out after the pool's worth of connections. A closed flow
// holds nothing: this kernel's NAT takes over a mapping whose conntrack
// entry is in TIME_WAIT (or CLOSE) when a new flow needs it.
func ForNAT(p report.Prediction, g topology.Gateway, load loadgen.Config) report.Prediction {
	addrs := g.SNATAddresses
	why := []string{p.Why}
	if g.Spread == topology.SpreadHash && addrs > 1 {
		// The kernel hashes the source and destination addresses to
		// pick one: one client toward one server has one address.
		addrs = min(addrs, g.Clients)
		why = append(why, fmt.Sprintf("the kernel picks each flow's SNAT address by a hash of its source and destination addresses, so %d client(s) toward one server use at most %d of the %d addresses", g.Clients, addrs, g.SNATAddresses))
	}
	destinations := len(load.Targets())
	p.SNATPoolFlows = int64(g.Ports()) * int64(addrs) * int64(destinations)
	held := int64(heldFlows(load)) * int64(g.Clients)
	why = append(why, fmt.Sprintf("the gateway's SNAT pool: %d ports x %d address(es) x %d destination(s) = %d flows at once",
		g.Ports(), addrs, destinations, p.SNATPoolFlows))
	switch {
	case held > p.SNATPoolFlows && (p.OnsetAfterConnections == 0 || p.SNATPoolFlows < p.OnsetAfterConnections):
		p.OnsetAfterConnections, p.OnsetClass = p.SNATPoolFlows, OnsetTimeout
		why = append(why, fmt.Sprintf("%d client(s) hold up to %d flows open: the gateway drops the SYNs beyond the pool, connects time out after about %d connections while the clients' own ports stay free",
			g.Clients, held, p.SNATPoolFlows))
	default:
		why = append(why, "a flow closed first by the client leaves its mapping in conntrack TIME_WAIT, which the kernel's NAT takes over for a new flow: churn does not exhaust the pool")
	}
	p.Why = strings.TrimPrefix(strings.Join(why, "; "), "; ")
	return p
}

// heldFlows is how many connections one client holds open at once.
func heldFlows(load loadgen.Config) int {
	if load.Mode == loadgen.ModePool && load.PoolSize > 0 {
		return min(load.PoolSize, load.Concurrency)
	}
	return load.Concurrency
}
