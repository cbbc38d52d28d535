package scenarios

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/portlab/portlab/internal/topology"
)

// defaultGateway is the gateway of a run that says nothing of one: one
// client, one address, every unprivileged port (what masquerade without a
// range hands out), so the client's own ports run out first.
var defaultGateway = topology.Gateway{
	Clients: 1, SNATAddresses: 1, SNATPorts: topology.PortRange{Min: 1024, Max: 65535}, Spread: topology.SpreadRoundRobin,
}

// gatewayOf decodes the scenario's and the run's gateway sections over the
// default, key by key, and checks the result. A port range not of the
// form LO-HI was refused, with its line, by checkTree.
func gatewayOf(at string, sections ...*yaml.Node) (topology.Gateway, error) {
	g := defaultGateway
	if err := decodeLayers(&g, sections...); err != nil {
		return topology.Gateway{}, err
	}
	if err := g.Validate(); err != nil {
		// Validate names the first bad field as its key here.
		field, problem, _ := strings.Cut(strings.Split(err.Error(), "\n")[0], ": ")
		return g, fieldErr(at+"."+field, "%s", problem)
	}
	return g, nil
}
