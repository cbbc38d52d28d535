package scenarios

import "fmt"

// Topology is where a scenario's client and server run.
type Topology string

// The topologies.
const (
	// Loopback runs client and server in one namespace: one kernel, one
	// TIME_WAIT table for both.
	Loopback Topology = "loopback"
	// TwoHosts runs them in two namespaces joined by a veth pair
	// (198.18.0.1 client, 198.18.0.2 server), each with its own TIME_WAIT
	// table, so the report shows who holds what.
	TwoHosts Topology = "two-hosts"
	// NAT runs the client(s), a NAT gateway and the server in namespaces
	// of their own (clients on 198.18.K.0/24, the server on 198.19.0.2):
	// the gateway translates every flow to its SNAT pool, whose size the
	// run's gateway section sets.
	NAT Topology = "nat"
)

// ParseTopology checks a --topology value.
func ParseTopology(s string) (Topology, error) {
	switch t := Topology(s); t {
	case Loopback, TwoHosts, NAT:
		return t, nil
	}
	return "", fmt.Errorf("topology: must be loopback, two-hosts or nat, got %q", s)
}
