package sandbox_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/portlab/portlab/internal/sysctl"
	"github.com/portlab/portlab/internal/topology"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// natOnsets runs concurrency beyond the SNAT pool, each worker holding
// its connection: the pool's size is the count before the first timeout.
const natOnsets = `
name: nat-onsets
topology: nat
defaults: {mode: keepalive, duration: 2s, interval: 250ms, connect_timeout: 800ms}
runs:
  - name: ports-100
    gateway: {snat_ports: "50000-50099"}
    load: {concurrency: 150}
  - name: ports-1000
    gateway: {snat_ports: "50000-50999"}
    load: {concurrency: 1500}
  - name: addresses-2
    gateway: {snat_ports: "50000-50099", snat_addresses: 2}
    load: {concurrency: 300}
  - name: clients-2
    gateway: {snat_ports: "50000-50099", clients: 2}
    load: {concurrency: 75}
`

// hostNet is what a nat run must leave alone on the host.
type hostNet struct {
	tables, links []string
	forward       string
}

func readHostNet(t *testing.T) hostNet {
	t.Helper()
	tables, err := topology.NATTables()
	if err != nil {
		t.Fatal(err)
	}
	ls, err := netlink.LinkList()
	if err != nil {
		t.Fatal(err)
	}
	var links []string
	for _, l := range ls {
		links = append(links, l.Attrs().Name)
	}
	fwd, err := sysctl.Read("net.ipv4.ip_forward")
	if err != nil {
		t.Fatal(err)
	}
	return hostNet{tables, links, fwd}
}

// TestNATOnsets: behind the gateway, connects time out after exactly the
// SNAT pool's flows (100 and 1,000 ports; 2 addresses; 2 clients sharing
// it), as predicted; the gateway's state is in the result; and the host
// has no new nftables table, link or forwarding afterwards.
func TestNATOnsets(t *testing.T) {
	requireSandbox(t)
	before := readHostNet(t)
	sc, err := scenarios.Parse("nat-onsets.yaml", []byte(natOnsets))
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	lab, err := sandbox.Execute(context.Background(), sc, sandbox.Options{Stderr: &stderr, ChildExecutable: childExe})
	if err != nil || len(lab.Failures) > 0 || len(lab.Results) != len(sc.Runs) {
		t.Fatalf("Execute: %v, failures %q, %d results\n%s", err, lab.Failures, len(lab.Results), stderr.String())
	}
	for _, tc := range []struct {
		run         string
		pool        int64
		clients     int
		addrs, pMax int
	}{
		{"ports-100", 100, 1, 1, 50099},
		{"ports-1000", 1000, 1, 1, 50999},
		{"addresses-2", 200, 1, 2, 50099},
		{"clients-2", 100, 2, 1, 50099},
	} {
		r := lab.Results[slices.IndexFunc(lab.Results, func(r *report.Result) bool { return r.Label == tc.run })]
		onset, ok := r.Onset["timeout"]
		t.Logf("%s: %d connections, onset %+v, errors %v, gateway %+v", tc.run, r.Totals.ConnectionsOpened, onset, r.Errors, r.Gateway)
		if p := r.Prediction; p == nil || p.SNATPoolFlows != tc.pool || p.OnsetAfterConnections != tc.pool || p.OnsetClass != "timeout" {
			t.Errorf("%s: prediction %+v, want pool and onset %d, class timeout", tc.run, r.Prediction, tc.pool)
		}
		// Clients end a few milliseconds apart, and a worker of the last
		// one may get a port the first has just freed: the pool's measure
		// is the gateway's peak (below), the clients' total at least it.
		if opened := r.Totals.ConnectionsOpened; !ok || opened < tc.pool || (tc.clients == 1 && opened != tc.pool) || r.Errors["EADDRNOTAVAIL"] != 0 {
			t.Errorf("%s: %d connections, timeout onset %v, errors %v; want %d connections, then timeouts, no EADDRNOTAVAIL",
				tc.run, r.Totals.ConnectionsOpened, ok, r.Errors, tc.pool)
		}
		if tc.clients == 1 && onset.ConnectionsBefore != tc.pool {
			t.Errorf("%s: first timeout after %d connections, want %d", tc.run, onset.ConnectionsBefore, tc.pool)
		}
		g := r.Gateway
		if g == nil || g.PeakEstablished != int(tc.pool) || g.Clients != tc.clients || len(g.SNATAddresses) != tc.addrs || g.PortMin != 50000 || g.PortMax != tc.pMax {
			t.Fatalf("%s: gateway %+v, want %d flows at the peak, %d client(s), %d address(es), ports 50000-%d", tc.run, g, tc.pool, tc.clients, tc.addrs, tc.pMax)
		}
		if g.ConntrackMax <= 0 || g.ConntrackTimeWaitS != 120 {
			t.Errorf("%s: gateway conntrack max %d, TIME_WAIT timeout %d s; want the namespace's, 120 s", tc.run, g.ConntrackMax, g.ConntrackTimeWaitS)
		}
		// The gateway held the pool's flows established, and each SYN it
		// had no port for failed its conntrack insertion and was dropped.
		if g.End.States["ESTABLISHED"] > int(tc.pool) || g.End.InsertFailed == 0 || g.End.Drop != g.End.InsertFailed {
			t.Errorf("%s: gateway at the end %+v, want at most %d established, insert_failed = drop > 0", tc.run, g.End, tc.pool)
		}
		sampled := 0
		for _, iv := range r.Timeline {
			if iv.Gateway != nil {
				sampled++
			}
		}
		if sampled < len(r.Timeline)/2 {
			t.Errorf("%s: %d of %d intervals have the gateway's state", tc.run, sampled, len(r.Timeline))
		}
	}
	if after := readHostNet(t); !slices.Equal(after.tables, before.tables) || !slices.Equal(after.links, before.links) || after.forward != before.forward {
		t.Errorf("host changed: before %+v, after %+v", before, after)
	}
}

// TestNATScenarioElsewhere: a scenario about the nat topology runs there
// by default, and in another topology asked for its runs are skipped,
// saying why, rather than checked without a gateway.
func TestNATScenarioElsewhere(t *testing.T) {
	requireSandbox(t)
	sc, err := scenarios.Builtin("snat-time-wait")
	if err != nil {
		t.Fatal(err)
	}
	lab, err := sandbox.Execute(context.Background(), sc, sandbox.Options{Topology: scenarios.TwoHosts, ChildExecutable: childExe})
	if err != nil || len(lab.Results) != 0 || len(lab.Skipped) != len(sc.Runs) {
		t.Fatalf("two-hosts: %v, %d results, skipped %q; want every run skipped", err, len(lab.Results), lab.Skipped)
	}
	if lab.Topology != scenarios.TwoHosts || !strings.Contains(lab.Skipped[0], "only meaningful in the nat topology") {
		t.Errorf("lab topology %q, skipped %q", lab.Topology, lab.Skipped)
	}
}

// TestNATOtherScenario: --topology nat runs any scenario behind a gateway
// (every unprivileged port in its pool), the listen probe in the client
// host included, and the scenario's expectations still hold.
func TestNATOtherScenario(t *testing.T) {
	requireSandbox(t)
	sc, err := scenarios.Builtin("server-port-in-range")
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	lab, err := sandbox.Execute(context.Background(), sc, sandbox.Options{Topology: scenarios.NAT, Stderr: &stderr, ChildExecutable: childExe})
	if err != nil || len(lab.Failures) > 0 || len(lab.Results) != len(sc.Runs) {
		t.Fatalf("Execute: %v, failures %q, %d results\n%s", err, lab.Failures, len(lab.Results), stderr.String())
	}
	for _, r := range lab.Results {
		if r.Environment.Topology != "nat" || r.Gateway == nil || r.Target != "198.19.0.2:7777" || r.ListenProbe == nil {
			t.Errorf("%s: topology %q, gateway %+v, target %s, listen probe %+v; want nat, a gateway, 198.19.0.2:7777, a probe",
				r.Label, r.Environment.Topology, r.Gateway, r.Target, r.ListenProbe)
		}
	}
	if failed := lab.Failed(); len(failed) > 0 {
		t.Errorf("expectations failed: %q", failed)
	}
}
