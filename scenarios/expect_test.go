package scenarios

import (
	"testing"

	"github.com/portlab/portlab/report"
)

func TestExpectations(t *testing.T) {
	res := &report.Result{
		Errors:      map[string]int64{"EADDRNOTAVAIL": 12},
		Onset:       map[string]report.Onset{"EADDRNOTAVAIL": {AtS: 0.1, ConnectionsBefore: 995}},
		Totals:      report.Totals{ConnectionsOpened: 1000},
		Throughput:  report.Throughput{ConnectionsPerS: 950},
		Prediction:  &report.Prediction{OnsetAfterConnections: 1000, SustainableConnectionsPerS: 1000, HoldS: 1},
		ListenProbe: &report.ListenProbe{OK: false},
	}
	tests := []struct {
		path, cond string
		pass       bool
	}{
		{"errors.EADDRNOTAVAIL", ">0", true},
		{"errors.EADDRNOTAVAIL", "==0", false},
		{"errors.ECONNRESET", "==0", true}, // a class that did not occur counts 0
		{"onset.EADDRNOTAVAIL.connections_before", "900..1000", true},
		{"onset.EADDRNOTAVAIL.connections_before", "0.9*prediction..1.1*prediction", true},
		{"onset.EADDRNOTAVAIL.connections_before", ">prediction", false},
		{"throughput.connections_per_s", ">=0.85*prediction", true},
		{"throughput.connections_per_s", ">=0.99*prediction.sustainable_connections_per_s", false},
		{"totals.connections_opened", "<=1000", true},
		{"totals.connections_opened", "!=1000", false},
		{"listen_probe.ok", "==0", true},
		{"onset.ECONNRESET.at_s", ">0", false}, // no such onset: fails with a reason
	}
	for _, tt := range tests {
		e, err := ParseExpectation(tt.path, tt.cond)
		if err != nil {
			t.Errorf("ParseExpectation(%s, %s): %v", tt.path, tt.cond, err)
			continue
		}
		if got := e.Evaluate(res); got.Pass != tt.pass {
			t.Errorf("%s %s = %+v, want pass %v", tt.path, tt.cond, got, tt.pass)
		}
	}
	bad := []struct{ path, cond string }{
		{"errors.X", "maybe"},
		{"nowhere.x", ">0"},
		{"totals.requests_ok", ">prediction"}, // nothing pairs with it
		{"errors.X", ">0.5*prediction.nonsense"},
		{"errors.X", ">abc"},
	}
	for _, b := range bad {
		if _, err := ParseExpectation(b.path, b.cond); err == nil {
			t.Errorf("ParseExpectation(%s, %s) succeeded", b.path, b.cond)
		}
	}
}
