package labreport

import (
	"regexp"
	"strings"
	"testing"

	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/predict"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// TestWriteFits: the report fits report.TextWidth, a label of any length
// keeps what follows it aligned, and WriteWide keeps the one wide table.
func TestWriteFits(t *testing.T) {
	env := report.Environment{IPLocalPortRange: [2]int{40000, 40999}}
	check := report.Check{Name: "onset_after_connections", Predicted: 1000, Measured: 1000, Ratio: 1}
	exp := report.Expectation{Path: "onset.EADDRNOTAVAIL.connections_before", Want: "0.9*prediction..1.1*prediction", Value: 1000, Pass: true}
	lab := &sandbox.Lab{Scenario: &scenarios.Scenario{Name: "widths", Description: strings.Repeat("a long description ", 8),
		Runs: []scenarios.Run{{Name: "new-conn", Expect: []predict.Expectation{{}}}, {Name: "a-label-of-twenty-c"}}}}
	for _, label := range []string{"new-conn", "a-label-of-twenty-c"} {
		lab.Results = append(lab.Results, &report.Result{Label: label, Environment: env, Target: "127.0.0.1:7777",
			Errors: map[string]int64{"EADDRNOTAVAIL": 2000}, Checks: []report.Check{check}, Expectations: []report.Expectation{exp},
			Onset:      map[string]report.Onset{"EADDRNOTAVAIL": {AtS: 0.089, ConnectionsBefore: 1000, RequestsOKBefore: 986}},
			StopReason: report.StopOnset, ElapsedS: 0.09})
	}
	var b strings.Builder
	if err := Write(&b, lab); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, l := range strings.Split(out, "\n") {
		if n := len([]rune(l)); n > report.TextWidth {
			t.Errorf("%d columns, want <= %d: %q", n, report.TextWidth, l)
		}
	}
	// The checks begin in one column whatever the label's length.
	for _, re := range []string{`(?m)^  new-conn            onset after`, `(?m)^  a-label-of-twenty-c onset after`,
		`(?m)^  PASS  new-conn            onset\.`, `(?m)^  PASS  a-label-of-twenty-c onset\.`,
		// How each run ended, which the other formats show too.
		`(?m)^Ended\n  new-conn            stopped by onset after 0\.090 s\n  a-label-of-twenty-c stopped by onset`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("no match for %s:\n%s", re, out)
		}
	}
	b.Reset()
	if err := WriteWide(&b, lab); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^ +run +ports .* +other errors +connect p50/p99 +total p50/p99`).MatchString(b.String()) {
		t.Errorf("WriteWide has no one wide table:\n%s", b.String())
	}
}
