package predict

import (
	"math"
	"testing"

	"github.com/portlab/portlab/report"
)

// FuzzParseExpectation: no expect entry makes parsing or checking panic;
// an accepted one keeps its path and condition as written, and checks
// against an empty result and a result with figures alike.
func FuzzParseExpectation(f *testing.F) {
	for _, s := range [][2]string{
		{"errors.EADDRNOTAVAIL", ">0"},
		{"onset.EADDRNOTAVAIL.connections_before", "0.9*prediction..1.1*prediction"},
		{"steady.connections_per_s", ">=0.85*prediction"},
		{"totals.connections_opened", "1016..5000"},
		{"listen_probe.ok", "==1"},
		{"sockets.time_wait_client", "<=16"},
		{"errors.EADDRNOTAVAIL", ">NaN"},
		{"latency.total.p99_us", "<1e308*prediction"},
		{"", ""},
	} {
		f.Add(s[0], s[1])
	}
	full := &report.Result{
		Totals: report.Totals{RequestsOK: 10, ConnectionsOpened: 10},
		Errors: map[string]int64{"EADDRNOTAVAIL": 3},
	}
	f.Fuzz(func(t *testing.T, path, cond string) {
		e, err := ParseExpectation(path, cond)
		if err != nil {
			return
		}
		if e.Path != path || e.Want != cond {
			t.Fatalf("parsed as %q %q", e.Path, e.Want)
		}
		for _, r := range []*report.Result{{}, full} {
			o := e.Evaluate(r)
			if o.Pass && (math.IsNaN(o.Value) || math.IsInf(o.Value, 0)) {
				t.Fatalf("%s %s passes on value %g", path, cond, o.Value)
			}
		}
	})
}
