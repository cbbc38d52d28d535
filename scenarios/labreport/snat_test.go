package labreport

import (
	"strings"
	"testing"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// natRun is a keep-alive run of 150 workers behind a gateway of 100 SNAT
// ports toward one destination: timeouts after 100 connections, the
// client's 28,232 ports untouched. edit changes it for a case.
func natRun(edit func(r *report.Result)) *report.Result {
	load := config.DefaultLoad()
	load.Mode, load.Concurrency, load.Target = config.ModeKeepAlive, 150, "198.19.0.2:7777"
	r := &report.Result{Label: "snat-100", Target: load.Target, Config: &report.RunConfig{Load: load},
		Environment: report.Environment{IPLocalPortRange: [2]int{32768, 60999}, Topology: "nat"},
		Totals:      report.Totals{RequestsOK: 3000, RequestsFailed: 150, ConnectionsOpened: 100},
		Errors:      map[string]int64{"timeout": 150},
		Onset:       map[string]report.Onset{"timeout": {AtS: 2.004, ConnectionsBefore: 100}},
		Gateway: &report.Gateway{SNATAddresses: []string{"198.19.0.1"}, PortMin: 50000, PortMax: 50099, Clients: 1, ConntrackMax: 262144,
			End: report.GatewaySample{Entries: 100, States: map[string]int{"ESTABLISHED": 100}}},
		Timeline: []report.Interval{{TS: 1, Gateway: &report.GatewaySample{Entries: 100}}},
	}
	if edit != nil {
		edit(r)
	}
	return r
}

// TestSNATDiagnosis: timeouts behind a NAT gateway whose table holds its
// pool's worth of flows, or that refused flows, are SNAT exhaustion, named
// with the pool's size and its fixes; timeouts the gateway had room for,
// a full conntrack table, and the client's own EADDRNOTAVAIL are not.
func TestSNATDiagnosis(t *testing.T) {
	for _, tc := range []struct {
		name      string
		r         *report.Result
		want, not []string
	}{
		{"pool full", natRun(nil), []string{
			"Cause (snat-100): SNAT exhaustion at the NAT gateway: 150 connects timed out, the first 2.004s into the run, after 100 connections",
			"the client's own ports free (no EADDRNOTAVAIL, a 28232-port range)",
			"100 ports (50000-50099) × 1 address × 1 destination = 100 flows",
			"Predicted onset: 100 concurrent flows; its conntrack table held 100 entries at its fullest",
			"dropped its SYN", "Cloud NAT gateways also hold a port",
			"Fix: more gateway addresses: each adds 100 ports toward each destination.",
			"or: more destinations", "or: reuse connections with a bounded pool (--mode pool, --pool-size at most 100)",
			"or: a wider SNAT port range than 50000-50099.",
		}, []string{"EADDRNOTAVAIL (", "Not SNAT", "client hosts share"}},
		{"counters rising, two clients, two addresses", natRun(func(r *report.Result) {
			r.Gateway.SNATAddresses = append(r.Gateway.SNATAddresses, "198.19.0.3")
			r.Gateway.Clients = 2
			r.Gateway.End = report.GatewaySample{Entries: 60, InsertFailed: 7, Drop: 3}
			r.Timeline = nil
		}), []string{"SNAT exhaustion at the NAT gateway", "× 2 addresses × 1 destination = 200 flows", "7 insert_failed, 3 drop",
			"2 client hosts share the gateway"}, []string{"Not SNAT"}},
		{"two destinations double the pool", natRun(func(r *report.Result) {
			r.Target = "198.19.0.2:7777,198.19.0.2:7778"
			r.Config.Target = r.Target
			r.Gateway.End.Entries = 150
			r.Timeline = nil
		}), []string{"Not SNAT exhaustion", "× 2 destinations = 200 flows", "listen backlog"}, []string{"SNAT exhaustion at"}},
		{"conntrack table full", natRun(func(r *report.Result) {
			r.Gateway.ConntrackMax = 100
			r.Gateway.End.Drop = 40
		}), []string{"conntrack table was full", "nf_conntrack_max 100", "Fix: a larger nf_conntrack_max"}, []string{"SNAT exhaustion at"}},
		{"churn through the gateway", natRun(func(r *report.Result) {
			r.Errors, r.Onset = nil, nil
			r.Totals.ConnectionsOpened = 10000
			r.Gateway.End = report.GatewaySample{Entries: 100, States: map[string]int{"TIME_WAIT": 99, "ESTABLISHED": 1}}
		}), []string{report.NoExhaustion, "NAT gateway: at most 100 conntrack entries for a pool of 100 flows, 99 TIME_WAIT, 1 ESTABLISHED at the end"},
			[]string{"Cause"}},
		{"local exhaustion", &report.Result{Label: "local", Target: "127.0.0.1:7777",
			Environment: report.Environment{IPLocalPortRange: [2]int{40000, 40999}},
			Errors:      map[string]int64{"EADDRNOTAVAIL": 10, "timeout": 3},
			Onset:       map[string]report.Onset{"EADDRNOTAVAIL": {AtS: 0.1, ConnectionsBefore: 1000}}},
			[]string{"Cause (local): connect() failed with EADDRNOTAVAIL"}, []string{"SNAT", "NAT gateway"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(DiagnoseResults([]*report.Result{tc.r}).Lines(), "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("diagnosis lacks %q", w)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(got, w) {
					t.Errorf("diagnosis has %q", w)
				}
			}
			if t.Failed() {
				t.Logf("diagnosis:\n%s", got)
			}
		})
	}
}

// TestWriteNATLab: the lab report of runs behind a NAT gateway says so,
// shows the timeout onset in its table and names SNAT as the cause, within
// report.TextWidth.
func TestWriteNATLab(t *testing.T) {
	exhausted := natRun(func(r *report.Result) {
		r.Label = "pool-exhausted"
		r.Prediction = &report.Prediction{OnsetClass: "timeout", OnsetAfterConnections: 100}
		r.Checks = []report.Check{{Name: "gateway_flows", Predicted: 100, Measured: 100, Ratio: 1}}
	})
	cured := natRun(func(r *report.Result) {
		r.Label, r.Errors, r.Onset = "more-destinations", nil, nil
		r.Target = "198.19.0.2:7777,198.19.0.2:7778"
		r.Config.Target = r.Target
	})
	lab := &sandbox.Lab{Scenario: &scenarios.Scenario{Name: "snat-exhaustion", Description: "SNAT",
		Runs: []scenarios.Run{{Name: "pool-exhausted", Lesson: "100 SNAT ports hold 100 flows"}, {Name: "more-destinations"}}},
		Results: []*report.Result{exhausted, cured}}
	var b strings.Builder
	if err := Write(&b, lab); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	words := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"sandbox: client hosts (1) behind a NAT gateway",
		"pool-exhausted 28232 0 0 0 0 2.004s timeout 150",
		"at most 100 flows through the gateway, predicted 100 (SNAT ports x gateway addresses x destinations)",
		"Cause (pool-exhausted): SNAT exhaustion at the NAT gateway",
		"- pool-exhausted: 100 SNAT ports hold 100 flows.",
		"NAT gateway: at most 100 conntrack entries for a pool of 200 flows",
	} {
		if !strings.Contains(words, want) {
			t.Errorf("lab report lacks %q", want)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if n := len([]rune(l)); n > report.TextWidth {
			t.Errorf("%d columns, want <= %d: %q", n, report.TextWidth, l)
		}
	}
	if t.Failed() {
		t.Logf("lab report:\n%s", out)
	}
}
