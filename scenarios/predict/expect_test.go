package predict

import (
	"strings"
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

// TestExpectationsMatchFailIf: an expect entry and --fail-if accept and
// reject the same comparisons, and hold on the same results.
func TestExpectationsMatchFailIf(t *testing.T) {
	res := &report.Result{
		Errors:     map[string]int64{"EADDRNOTAVAIL": 12},
		Onset:      map[string]report.Onset{"EADDRNOTAVAIL": {AtS: 0.1, ConnectionsBefore: 995}},
		Prediction: &report.Prediction{OnsetAfterConnections: 1000, HoldS: 1},
	}
	paths := []string{"errors.EADDRNOTAVAIL", "errors.ECONNRESET", "onset.EADDRNOTAVAIL.connections_before"}
	cmps := []string{">0", ">=12", "<1e3", "<= 995", "==0", "!=12", "> 0.9*prediction", ">=prediction.onset_after_connections",
		"<2*500", "=0", "=>0", "!0", ">many", ">", ">NaN", ">prediction.nonsense", ">prediction", "<<5"}
	for _, path := range paths {
		for _, cmp := range cmps {
			e, eerr := ParseExpectation(path, cmp)
			c, ferr := report.ParseCondition(path + cmp)
			if (eerr == nil) != (ferr == nil) {
				t.Errorf("%s %s: expect %v, --fail-if %v", path, cmp, eerr, ferr)
				continue
			}
			if eerr != nil {
				continue
			}
			violated, _, err := c.Eval(res)
			if got := e.Evaluate(res); err != nil || got.Pass != violated {
				t.Errorf("%s %s: expect %+v, --fail-if %v, %v", path, cmp, got, violated, err)
			}
		}
	}
}

func TestSteadyExpectation(t *testing.T) {
	e, err := ParseExpectation("steady.connections_per_s", ">=0.85*prediction")
	if err != nil {
		t.Fatal(err)
	}
	// 1,000 ports come back once a second: 1,000 connections/s, measured
	// against the sustainable rate that "prediction" means beside it.
	res := &report.Result{
		Onset:      map[string]report.Onset{"EADDRNOTAVAIL": {AtS: 0.12}},
		Prediction: &report.Prediction{HoldS: 1},
	}
	for i := range 16 {
		res.Timeline = append(res.Timeline, report.Interval{TS: float64(i+1) * 0.25, ConnectionsOpened: 250})
	}
	for rate, pass := range map[float64]bool{1100: true, 1200: false} {
		res.Prediction.SustainableConnectionsPerS = rate
		if got := e.Evaluate(res); got.Pass != pass || got.Value != 1000 || got.Why != "" {
			t.Errorf("against a predicted %g/s: %+v, want pass %v", rate, got, pass)
		}
	}
	// No onset: no steady churn to measure, and the reason says so.
	res.Onset = nil
	if got := e.Evaluate(res); got.Pass || !strings.Contains(got.Why, "no steady churn") {
		t.Errorf("without an onset: %+v", got)
	}
	// --fail-if reads the result's own paths only.
	if _, err := report.ParseCondition("steady.connections_per_s>0"); err == nil {
		t.Error("--fail-if accepted steady.connections_per_s")
	}
}
