package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/labreport"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// writeDiagnosis explains a load's result as portlab run explains a lab:
// the same rules, read from the result alone, then the fix.
func writeDiagnosis(w io.Writer, res *report.Result) error {
	r := *res
	if r.Label == "" {
		r.Label = "load"
	}
	lab := &sandbox.Lab{
		Scenario: &scenarios.Scenario{Name: r.Label, Runs: []scenarios.Run{{Name: r.Label}}},
		Results:  []*report.Result{&r},
	}
	lines := labreport.Diagnose(lab)
	// Then comes each run's measurement, which the summary has given.
	if i := slices.Index(lines, ""); i >= 0 {
		lines = lines[:i]
	}
	if fix := fixFor(&r); fix != "" {
		lines = append(lines, fix)
	}
	text := "\nDiagnosis\n  " + strings.Join(lines, "\n  ") + "\n"
	_, err := io.WriteString(w, report.Printable(report.Fit(text, report.TextWidth)))
	return err
}

// fixFor says what would have kept a TCP load clear of EADDRNOTAVAIL, by
// how it used its connections; "" when it met none, or the diagnosis
// already names the fix (HTTP client settings, bind before connect).
func fixFor(r *report.Result) string {
	if r.Errors["EADDRNOTAVAIL"] == 0 || r.Config == nil || (r.Config.Protocol != "" && r.Config.Protocol != config.ProtocolTCP) {
		return ""
	}
	switch c := r.Config; {
	case c.Mode == config.ModeNew:
		return "Fix: reuse connections (--mode pool or --mode keepalive); or let the server close first " +
			"(echo --close server), so the TIME_WAIT stays on its side; tcp_tw_reuse=1 lets connect() take " +
			"a TIME_WAIT port 1 s after its last packet."
	case c.Mode == config.ModeKeepAlive && c.RequestsPerConn > 0:
		return fmt.Sprintf("Fix: more requests per connection than --requests-per-conn %d, or none (unlimited).", c.RequestsPerConn)
	}
	return ""
}
