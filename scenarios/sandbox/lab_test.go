package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/internal/sockstate"
	"github.com/portlab/portlab/internal/sysctl"
	"github.com/portlab/portlab/internal/testsupport"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/labreport"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// requireSandbox skips (or, with PORTLAB_REQUIRE_NETNS=1, fails) where
// namespaces cannot be created.
func requireSandbox(t *testing.T) {
	t.Helper()
	testsupport.Require(t, testsupport.EnvRequireNetns, netns.Available())
}

// hostPortState is what the lab must leave alone on the host.
type hostPortState struct {
	portRange string
	labSocks  int // host sockets on the lab's port 7777
}

func readHostPortState(t *testing.T) hostPortState {
	t.Helper()
	rng, err := sysctl.Read("net.ipv4.ip_local_port_range")
	if err != nil {
		t.Fatal(err)
	}
	s, err := sockstate.Take()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range s.Destinations {
		if d.Remote.Port() == 7777 {
			n += d.Ports
		}
	}
	return hostPortState{rng, n}
}

// executeBuiltin runs the built-in scenario name in the sandbox on
// topology. The test stops if the lab cannot run, if a run failed, or if
// a run gave no result.
func executeBuiltin(t *testing.T, name string, topology scenarios.Topology) *sandbox.Lab {
	t.Helper()
	sc, err := scenarios.Builtin(name)
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	lab, err := sandbox.Execute(context.Background(), sc, sandbox.Options{Topology: topology, Stderr: &stderr, ChildExecutable: childExe})
	if err != nil {
		t.Fatalf("Execute: %v\n%s", err, stderr.String())
	}
	if len(lab.Failures) > 0 || len(lab.Results) != len(sc.Runs) {
		t.Fatalf("failures %q, %d results for %d runs\n%s", lab.Failures, len(lab.Results), len(sc.Runs), stderr.String())
	}
	return lab
}

func TestDefaultLab(t *testing.T) {
	requireSandbox(t)
	before := readHostPortState(t)
	lab := executeBuiltin(t, scenarios.Default, scenarios.Loopback)
	byName := map[string]*report.Result{}
	for _, r := range lab.Results {
		byName[r.Label] = r
		if r.Environment.Netns != "sandbox" || r.Environment.IPLocalPortRange != [2]int{40000, 40999} {
			t.Errorf("%s: environment %+v, want the sandbox with range 40000-40999", r.Label, r.Environment)
		}
		if r.Prediction == nil {
			t.Errorf("%s: no prediction", r.Label)
		}
	}

	exhausted := byName["new-conn"]
	onset, ok := exhausted.Onset["EADDRNOTAVAIL"]
	if !ok {
		t.Fatalf("new-conn: no EADDRNOTAVAIL; errors %v", exhausted.Errors)
	}
	if ratio := float64(onset.ConnectionsBefore) / float64(exhausted.Prediction.OnsetAfterConnections); ratio < 0.9 || ratio > 1.1 {
		t.Errorf("new-conn: onset after %d connections, predicted %d: ratio %.2f outside 10%%",
			onset.ConnectionsBefore, exhausted.Prediction.OnsetAfterConnections, ratio)
	}
	if s := exhausted.Sockets; s == nil || s.TimeWaitClient < 900 {
		t.Errorf("new-conn: sockets %+v, want the range held in client TIME_WAIT", exhausted.Sockets)
	}

	for _, name := range []string{"pool", "keepalive", "server-closes", "linger0"} {
		if n := byName[name].Errors["EADDRNOTAVAIL"]; n != 0 {
			t.Errorf("%s: %d EADDRNOTAVAIL, want none", name, n)
		}
		if byName[name].Totals.RequestsOK == 0 {
			t.Errorf("%s: no successful request", name)
		}
	}
	// A client that reads to the server's close closes second: only the
	// requests the deadline cut, one per worker, leave its TIME_WAIT.
	sc16 := byName["server-closes"]
	if s := sc16.Sockets; s == nil || s.TimeWaitServer <= s.TimeWaitClient || s.TimeWaitClient > sc16.Config.Concurrency {
		t.Errorf("server-closes: sockets %+v, want TIME_WAIT on the server's side and at most %d on the client's", s, sc16.Config.Concurrency)
	}

	// tcp_tw_reuse=1: reuse shows as more connections than ports (beyond
	// the kernel's rare early reuse without it, up to 15). The kernel lets
	// each port serve at most once per tcp_tw_reuse_delay after its first
	// use, which bounds the count from above. How fast the client gets
	// there is the machine's business, not the kernel's: no rate here
	// (portlab run prints the churn beside its prediction).
	reuse := byName["tw-reuse"]
	ports := int64(reuse.Environment.IPLocalPortRange[1] - reuse.Environment.IPLocalPortRange[0] + 1)
	maxUses := int64(reuse.Config.Duration/time.Second) + 1 // tcp_tw_reuse_delay is 1 s
	if n := reuse.Totals.ConnectionsOpened; n <= ports+15 || n > ports*maxUses {
		t.Errorf("tw-reuse: %d connections over %d ports in %s, want more than %d (ports reused) and at most %d",
			n, ports, reuse.Config.Duration, ports+15, ports*maxUses)
	}

	var out bytes.Buffer
	if err := labreport.Write(&out, lab); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"EADDRNOTAVAIL", "Cause (new-conn)", "ports of 40000-40999 toward 127.0.0.1:7777 were held in TIME_WAIT",
		"tcp_fin_timeout does not change it", "no EADDRNOTAVAIL, as predicted", "RST",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}

	after := readHostPortState(t)
	if after != before {
		t.Errorf("host changed: before %+v, after %+v", before, after)
	}
}

func TestExecuteCancelKeepsPartialResult(t *testing.T) {
	requireSandbox(t)
	sc, _ := scenarios.Builtin(scenarios.Default)
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel during the second run (the first lasts 2 s plus start-up).
	timer := time.AfterFunc(3500*time.Millisecond, cancel)
	defer timer.Stop()
	lab, err := sandbox.Execute(ctx, sc, sandbox.Options{ChildExecutable: childExe})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if lab == nil || len(lab.Results) < 1 || len(lab.Results) >= len(sc.Runs) {
		t.Fatalf("lab %+v: want the runs done so far", lab)
	}
	last := lab.Results[len(lab.Results)-1]
	if !last.Interrupted {
		t.Errorf("last run %s not marked interrupted", last.Label)
	}
}

// TestCatalogue runs every built-in scenario in the sandbox and holds the
// kernel to each one's expectations: the scenarios are regression tests.
func TestCatalogue(t *testing.T) {
	requireSandbox(t)
	for _, name := range scenarios.Names() {
		if name == scenarios.Default {
			continue // TestDefaultLab
		}
		t.Run(name, func(t *testing.T) {
			lab := executeBuiltin(t, name, scenarios.Loopback)
			for _, r := range lab.Results {
				if r.Sockets == nil {
					t.Errorf("%s: no socket table: %q", r.Label, r.Notes)
				}
			}
			if failed := lab.Failed(); len(failed) > 0 {
				var out bytes.Buffer
				labreport.Write(&out, lab)
				t.Errorf("expectations failed:\n  %s\n%s", strings.Join(failed, "\n  "), out.String())
			}
		})
	}
}

// TestDefaultLabTwoHosts runs the default lab with client and server in
// separate namespaces: TIME_WAIT must show on the side that closed first.
func TestDefaultLabTwoHosts(t *testing.T) {
	requireSandbox(t)
	lab := executeBuiltin(t, scenarios.Default, scenarios.TwoHosts)
	if failed := lab.Failed(); len(failed) > 0 {
		t.Errorf("expectations failed: %q", failed)
	}
	byName := map[string]*report.Result{}
	for _, r := range lab.Results {
		byName[r.Label] = r
		if r.Environment.Topology != "two-hosts" || r.Target != "198.18.0.2:7777" {
			t.Errorf("%s: topology %q target %s", r.Label, r.Environment.Topology, r.Target)
		}
	}
	// EADDRNOTAVAIL: connect() found every port toward the server taken.
	if s := byName["new-conn"].Sockets; s == nil || s.TimeWaitClient < 900 || s.TimeWaitServer != 0 || s.TargetPortsHeld != 1000 {
		t.Errorf("new-conn: sockets %+v, want the client host's TIME_WAIT full, all 1000 ports held toward the server, and no TIME_WAIT on the server host", s)
	}
	// The client closes first only where the deadline cut a request short,
	// at most once per worker; the server closed every other connection.
	closes := byName["server-closes"]
	if s := closes.Sockets; s == nil || s.TimeWaitServer < 100 || s.TimeWaitClient > closes.Config.Concurrency {
		t.Errorf("server-closes: sockets %+v, want TIME_WAIT on the server host and at most %d (one per worker) on the client's", s, closes.Config.Concurrency)
	}
}
