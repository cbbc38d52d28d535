package predict_test

import (
	"testing"
	"time"

	"github.com/portlab/portlab/internal/topology"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/predict"
)

// TestForNAT: the SNAT pool holds ports x addresses x destinations flows;
// a load holding more open, over all its clients, times out after the
// pool's worth; churn does not exhaust it.
func TestForNAT(t *testing.T) {
	ps := predict.PortSettings{RangeLo: 32768, RangeHi: 60999, TwReuseDelay: time.Second}
	srv := scenarios.LabServer(nil)
	keepalive := func(conc int, mutate func(*loadgen.Config)) loadgen.Config {
		return scenarios.LabLoad(func(c *loadgen.Config) {
			c.Mode, c.Concurrency = loadgen.ModeKeepAlive, conc
			if mutate != nil {
				mutate(c)
			}
		})
	}
	gw := func(ports, addrs, clients int, spread topology.Spread) topology.Gateway {
		return topology.Gateway{Clients: clients, SNATAddresses: addrs, SNATPorts: topology.PortRange{Min: 50000, Max: 50000 + ports - 1}, Spread: spread}
	}
	for _, tc := range []struct {
		name        string
		g           topology.Gateway
		load        loadgen.Config
		pool, onset int64
		class       string
	}{
		{"100 ports, 150 held", gw(100, 1, 1, ""), keepalive(150, nil), 100, 100, "timeout"},
		{"1,000 ports, 1,500 held", gw(1000, 1, 1, ""), keepalive(1500, nil), 1000, 1000, "timeout"},
		{"2 addresses in turn", gw(100, 2, 1, topology.SpreadRoundRobin), keepalive(300, nil), 200, 200, "timeout"},
		{"2 addresses hashed, 1 client", gw(100, 2, 1, topology.SpreadHash), keepalive(300, nil), 100, 100, "timeout"},
		{"2 destinations", gw(100, 1, 1, ""), keepalive(150, func(c *loadgen.Config) { c.Target = "127.0.0.1:7777,127.0.0.1:7778" }), 200, 0, "EADDRNOTAVAIL"},
		{"2 clients share the pool", gw(100, 1, 2, ""), keepalive(75, nil), 100, 100, "timeout"},
		{"within the pool", gw(100, 1, 1, ""), keepalive(100, nil), 100, 0, "EADDRNOTAVAIL"},
		{"a bounded pool", gw(100, 1, 1, ""), keepalive(150, func(c *loadgen.Config) { c.Mode, c.PoolSize = loadgen.ModePool, 50 }), 100, 0, "EADDRNOTAVAIL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := predict.ForNAT(predict.For(ps, srv, tc.load), tc.g, tc.load)
			if p.SNATPoolFlows != tc.pool || p.OnsetAfterConnections != tc.onset || p.OnsetClass != tc.class {
				t.Errorf("pool %d, onset %d %s; want pool %d, onset %d %s\n%s",
					p.SNATPoolFlows, p.OnsetAfterConnections, p.OnsetClass, tc.pool, tc.onset, tc.class, p.Why)
			}
		})
	}
	// Churn (the client closes first) keeps the client's own prediction:
	// the gateway takes closed flows' mappings over.
	churn := scenarios.LabLoad(nil)
	client := predict.For(predict.PortSettings{RangeLo: 40000, RangeHi: 40999, TwReuseDelay: time.Second}, srv, churn)
	p := predict.ForNAT(client, gw(100, 1, 1, ""), churn)
	if p.OnsetAfterConnections != 1000 || p.OnsetClass != "EADDRNOTAVAIL" {
		t.Errorf("churn: onset %d %s, want the client's 1000 EADDRNOTAVAIL", p.OnsetAfterConnections, p.OnsetClass)
	}
}
