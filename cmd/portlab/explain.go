package main

import (
	"io"
	"strings"

	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios/labreport"
)

// writeDiagnosis explains a load's result as portlab run explains a lab:
// the same rules, read from the result alone, each cause with its fix.
func writeDiagnosis(w io.Writer, res *report.Result) error {
	r := *res
	if r.Label == "" {
		r.Label = "load"
	}
	d := labreport.DiagnoseResults([]*report.Result{&r})
	d.Runs = nil // the summary above has given the measurement
	text := "\nDiagnosis\n  " + strings.Join(d.Lines(), "\n  ") + "\n"
	_, err := io.WriteString(w, report.Printable(report.Fit(text, report.TextWidth)))
	return err
}
