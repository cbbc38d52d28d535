package scenarios

import (
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/portlab/portlab/internal/topology"
)

// fileGateway is a gateway section: the NAT gateway of the nat topology.
// A run's section is decoded over the scenario's, key by key.
type fileGateway struct {
	// Clients is how many client hosts share the gateway, each running
	// the run's load.
	Clients int `yaml:"clients"`
	// SNATAddresses is how many outside addresses the SNAT pool has;
	// SNATPorts their ports, "LO-HI"; SNATSpread how a new flow picks an
	// address: round-robin or hash (the kernel's own, per source and
	// destination address).
	SNATAddresses int    `yaml:"snat_addresses"`
	SNATPorts     string `yaml:"snat_ports"`
	SNATSpread    string `yaml:"snat_spread"`
	// ConntrackTimeWait and ConntrackEstablished are the conntrack TCP
	// timeouts of those states; 0 keeps the kernel's (120 s, 5 days).
	ConntrackTimeWait    time.Duration `yaml:"conntrack_time_wait"`
	ConntrackEstablished time.Duration `yaml:"conntrack_established"`
}

// defaultGateway is the gateway of a run that says nothing of one: one
// client, one address, every unprivileged port (what masquerade without a
// range hands out), so the client's own ports run out first.
var defaultGateway = fileGateway{Clients: 1, SNATAddresses: 1, SNATPorts: "1024-65535", SNATSpread: string(topology.SpreadRoundRobin)}

// gatewayOf decodes the scenario's and the run's gateway sections over the
// default and checks the result.
func gatewayOf(at string, sections ...*yaml.Node) (topology.Gateway, error) {
	fg := defaultGateway
	if err := decodeLayers(&fg, sections...); err != nil {
		return topology.Gateway{}, err
	}
	g := topology.Gateway{
		Clients: fg.Clients, SNATAddresses: fg.SNATAddresses, Spread: topology.Spread(fg.SNATSpread),
		TimeWait: fg.ConntrackTimeWait, Established: fg.ConntrackEstablished,
	}
	var ok bool
	if g.PortMin, g.PortMax, ok = snatPorts(fg.SNATPorts); !ok {
		return g, fieldErr(at+".snat_ports", "want LO-HI, such as 50000-50099, got %q", fg.SNATPorts)
	}
	if err := g.Validate(); err != nil {
		// Validate names the first bad field as its key here.
		field, problem, _ := strings.Cut(strings.Split(err.Error(), "\n")[0], ": ")
		return g, fieldErr(at+"."+field, "%s", problem)
	}
	return g, nil
}

// snatPorts parses "LO-HI", two port numbers in decimal digits (no sign:
// "+1024-2000" is a typo, not a range).
func snatPorts(s string) (lo, hi int, ok bool) {
	a, b, ok := strings.Cut(s, "-")
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	digits := func(s string) bool {
		return s != "" && len(s) <= 5 && strings.Trim(s, "0123456789") == ""
	}
	if !ok || !digits(a) || !digits(b) {
		return 0, 0, false
	}
	lo, _ = strconv.Atoi(a)
	hi, _ = strconv.Atoi(b)
	return lo, hi, true
}
