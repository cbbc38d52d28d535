package labreport

import (
	"strings"
	"testing"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// TestDiagnose: the diagnosis names each kind of exhaustion from the
// results alone, the first TIME_WAIT one as the cause, with the HTTP
// setting behind it.
func TestDiagnose(t *testing.T) {
	env := report.Environment{IPLocalPortRange: [2]int{40000, 40999}}
	unread := config.Load{Protocol: config.ProtocolHTTP, UnreadBody: true}
	udp := config.Load{Protocol: config.ProtocolUDP}
	lab := &sandbox.Lab{
		Scenario: &scenarios.Scenario{Runs: []scenarios.Run{
			{Name: "drained", Lesson: "no exhaustion"}, {Name: "unread", Lesson: "a body left unread"}, {Name: "held", Lesson: "sockets held open"}}},
		Results: []*report.Result{
			{Label: "drained", Environment: env},
			{Label: "unread", Environment: env, Target: "127.0.0.1:7777", Config: &report.RunConfig{Load: unread},
				Errors:  map[string]int64{"EADDRNOTAVAIL": 5},
				Onset:   map[string]report.Onset{"EADDRNOTAVAIL": {AtS: 0.25, ConnectionsBefore: 990}},
				Sockets: &report.Sockets{TimeWaitClient: 980}},
			{Label: "held", Environment: env, Config: &report.RunConfig{Load: udp},
				Errors: map[string]int64{"EAGAIN": 3},
				Onset:  map[string]report.Onset{"EAGAIN": {AtS: 0.5, ConnectionsBefore: 1000}}},
		},
	}
	got := strings.Join(Diagnose(lab), "\n")
	for _, want := range []string{
		"Cause (unread): connect() failed with EADDRNOTAVAIL",
		"980 of the 1000 ports of 40000-40999 toward 127.0.0.1:7777 were held in TIME_WAIT",
		"closed each response body unread",
		"Cause (held): a UDP connect() failed with EAGAIN",
		"- drained: no exhaustion.",
		"- unread: a body left unread.",
		"- held: sockets held open.",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diagnosis lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "No run exhausted its ports") {
		t.Errorf("diagnosis says nothing was exhausted:\n%s", got)
	}
	lab.Results = lab.Results[:1]
	if got := Diagnose(lab); got[0] != "No run exhausted its ports." {
		t.Errorf("without exhaustion the diagnosis starts %q", got[0])
	}
}

// TestDiagnoseAfterSkippedRun: a run skipped in this topology has no
// result; the runs after it keep their own lessons.
func TestDiagnoseAfterSkippedRun(t *testing.T) {
	lab := &sandbox.Lab{
		Scenario: &scenarios.Scenario{Runs: []scenarios.Run{
			{Name: "reuse-1", Lesson: "reuse after the delay"},
			{Name: "loopback-only", Lesson: "only on loopback", Topology: scenarios.Loopback},
			{Name: "elsewhere", Lesson: "no reuse elsewhere"},
		}},
		Topology: scenarios.TwoHosts,
		Results:  []*report.Result{{Label: "reuse-1"}, {Label: "elsewhere"}},
		Skipped:  []string{"loopback-only: only meaningful in the loopback topology"},
	}
	got := strings.Join(Diagnose(lab), "\n")
	if !strings.Contains(got, "- elsewhere: no reuse elsewhere.") {
		t.Errorf("the run after the skipped one lacks its own lesson:\n%s", got)
	}
	if strings.Contains(got, "- elsewhere: only on loopback") {
		t.Errorf("the skipped run's lesson is printed for the next run:\n%s", got)
	}
}

// TestDiagnoseHeldPorts: with more than one destination or source the
// diagnosis counts the ports of every (source, destination) pair, never
// more held ports than the range has in its sentence.
func TestDiagnoseHeldPorts(t *testing.T) {
	env := report.Environment{IPLocalPortRange: [2]int{40000, 40999}}
	for _, tc := range []struct {
		name string
		load config.Load
		pred *report.Prediction
		held int
		want string
	}{
		{"one", config.Load{Target: "127.0.0.1:7777"}, nil, 1000,
			"1000 of the 1000 ports of 40000-40999 toward 127.0.0.1:7777 were held"},
		{"destinations", config.Load{Target: "127.0.0.1:7777,127.0.0.1:7778,127.0.0.1:7779,127.0.0.1:7780"}, nil, 4000,
			"4000 of the 4000 ports the client had (40000-40999 once for each of its 4 destinations) were held"},
		{"sources", config.Load{Target: "127.0.0.1:7777", SourceIPs: []string{"127.0.0.2", "127.0.0.3"}}, nil, 2000,
			"2000 of the 2000 ports the client had (40000-40999 once for each of its 2 (source IP, destination) pairs)"},
		{"predicted spaces", config.Load{Target: "127.0.0.1:7777,127.0.0.1:7778"}, &report.Prediction{PortSpaces: 4}, 3990,
			"3990 of the 4000 ports the client had (40000-40999 once for each of its 4 (source IP, destination) pairs)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &report.Result{Label: tc.name, Environment: env, Target: tc.load.Target,
				Config: &report.RunConfig{Load: tc.load}, Prediction: tc.pred,
				Errors:  map[string]int64{"EADDRNOTAVAIL": 5},
				Onset:   map[string]report.Onset{"EADDRNOTAVAIL": {AtS: 0.25, ConnectionsBefore: int64(tc.held)}},
				Sockets: &report.Sockets{TimeWaitClient: tc.held}}
			got := strings.Join(DiagnoseResults([]*report.Result{r}).Lines(), "\n")
			if !strings.Contains(got, tc.want) {
				t.Errorf("diagnosis lacks %q:\n%s", tc.want, got)
			}
		})
	}
}

// TestDiagnoseMerged: a merge of clients that all opened a connection per
// request gets the fix, and says the ports are each client's; a merge of
// clients that used connections differently gets no fix.
func TestDiagnoseMerged(t *testing.T) {
	newConn := config.Load{Target: "127.0.0.1:7777", Mode: config.ModeNew}
	pooled := newConn
	pooled.Mode = config.ModePool
	for _, tc := range []struct {
		name    string
		inputs  []config.Load
		fix     bool
		clients string
	}{
		{"same", []config.Load{newConn, newConn}, true, "A merge of 2 clients"},
		{"mixed", []config.Load{newConn, pooled}, false, "A merge of 2 clients"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &report.RunConfig{Merged: []*report.RunConfig{}}
			for _, l := range tc.inputs {
				cfg.Merged = append(cfg.Merged, &report.RunConfig{Load: l})
			}
			r := &report.Result{Label: "merged", Target: "127.0.0.1:7777", Config: cfg,
				Environment: report.Environment{IPLocalPortRange: [2]int{40000, 40499}},
				Errors:      map[string]int64{"EADDRNOTAVAIL": 3},
				Onset:       map[string]report.Onset{"EADDRNOTAVAIL": {AtS: 0.07, ConnectionsBefore: 500}}}
			got := strings.Join(DiagnoseResults([]*report.Result{r}).Lines(), "\n")
			if has := strings.Contains(got, "Fix: reuse connections"); has != tc.fix {
				t.Errorf("fix given: %v, want %v:\n%s", has, tc.fix, got)
			}
			if !strings.Contains(got, tc.clients) {
				t.Errorf("diagnosis lacks %q:\n%s", tc.clients, got)
			}
		})
	}
}

// TestMeasuredOwnConnections: a pool's TIME_WAIT at the end is said to be
// its own connections closed as the run ended (its lesson says none wait);
// a connection per request's is not.
func TestMeasuredOwnConnections(t *testing.T) {
	for _, tc := range []struct {
		mode config.Mode
		want bool
	}{{config.ModePool, true}, {config.ModeKeepAlive, true}, {config.ModeNew, false}} {
		r := &report.Result{Label: string(tc.mode), Config: &report.RunConfig{Load: config.Load{Mode: tc.mode}},
			Totals: report.Totals{ConnectionsOpened: 16}, Sockets: &report.Sockets{TimeWaitClient: 16},
			Errors: map[string]int64{"timeout": 150}, Onset: map[string]report.Onset{"timeout": {AtS: 2}}}
		got := DiagnoseResults([]*report.Result{r}).Runs[0].Measured
		if tc.mode == config.ModePool && !strings.Contains(got, "150 connect timeouts from 2.000 s on") {
			t.Errorf("%q does not name its connect timeouts", got)
		}
		if has := strings.Contains(got, "(its own connections, closed as the run ended)"); has != tc.want {
			t.Errorf("%s: %q says its own connections: %v, want %v", tc.mode, got, has, tc.want)
		}
	}
}
