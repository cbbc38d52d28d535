package scenarios

import (
	"testing"
	"time"

	"github.com/portlab/portlab/internal/topology"
)

// TestGatewayLayers: a run's gateway section is decoded over the
// scenario's, key by key, and both over one client behind one address
// with every unprivileged port.
func TestGatewayLayers(t *testing.T) {
	const file = `
name: layers
topology: nat
gateway:
  snat_ports: "50000-50099"
  conntrack_time_wait: 30s
runs:
  - name: scenario
  - name: run
    gateway: {clients: 3, snat_addresses: 2, snat_spread: hash}
  - name: ports
    gateway: {snat_ports: "1024-2047"}
`
	sc, err := Parse("layers.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Topology != NAT {
		t.Errorf("topology %q, want %q", sc.Topology, NAT)
	}
	for _, tc := range []struct {
		run  string
		want topology.Gateway
	}{
		{"scenario", topology.Gateway{Clients: 1, SNATAddresses: 1, SNATPorts: topology.PortRange{Min: 50000, Max: 50099}, Spread: topology.SpreadRoundRobin, TimeWait: 30 * time.Second}},
		{"run", topology.Gateway{Clients: 3, SNATAddresses: 2, SNATPorts: topology.PortRange{Min: 50000, Max: 50099}, Spread: topology.SpreadHash, TimeWait: 30 * time.Second}},
		{"ports", topology.Gateway{Clients: 1, SNATAddresses: 1, SNATPorts: topology.PortRange{Min: 1024, Max: 2047}, Spread: topology.SpreadRoundRobin, TimeWait: 30 * time.Second}},
	} {
		if got := sc.Run(tc.run).Gateway; got != tc.want {
			t.Errorf("%s: gateway %+v, want %+v", tc.run, got, tc.want)
		}
	}
	// A scenario without a gateway section has the default one.
	sc, err = Builtin(Default)
	if err != nil {
		t.Fatal(err)
	}
	want := topology.Gateway{Clients: 1, SNATAddresses: 1, SNATPorts: topology.PortRange{Min: 1024, Max: 65535}, Spread: topology.SpreadRoundRobin}
	if got := sc.Runs[0].Gateway; got != want || sc.Topology != "" {
		t.Errorf("default: gateway %+v, topology %q; want %+v and none", got, sc.Topology, want)
	}
}
