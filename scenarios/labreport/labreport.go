package labreport

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// Write writes the lab's comparison table, how each run ended, each
// prediction beside its measurement, the expectations and a diagnosis in
// plain words (the sections of every report format, from
// report.Comparison.WriteExplanation), within report.TextWidth columns:
// the table stacked in two, long lines wrapped.
func Write(w io.Writer, lab *sandbox.Lab) error { return write(w, lab, false) }

// WriteWide is Write with the runs in one table and no line wrapped.
func WriteWide(w io.Writer, lab *sandbox.Lab) error { return write(w, lab, true) }

func write(w io.Writer, lab *sandbox.Lab, wide bool) error {
	var b strings.Builder
	sc := lab.Scenario
	fmt.Fprintf(&b, "portlab run %s: %s\n", sc.Name, sc.Description)
	if len(lab.Results) > 0 {
		where := "a private network namespace per run"
		if lab.Topology == scenarios.TwoHosts {
			where = "two hosts per run: client 198.18.0.1 and server 198.18.0.2 in their own namespaces, joined by a veth pair"
		}
		if g := lab.Results[0].Gateway; g != nil {
			where = fmt.Sprintf("client hosts (%d) behind a NAT gateway, then the server, each in its own namespace per run", g.Clients)
		}
		fmt.Fprintf(&b, "sandbox: %s, Linux %s\n\n", where, lab.Results[0].Environment.Kernel)
	}

	writeTable(&b, lab.Results, wide)
	writeEndings(&b, lab.Results)
	cmp, err := Compare(lab)
	if err != nil { // no results: nothing to compare, still a diagnosis
		cmp = &report.Comparison{Diagnosis: Diagnosis(lab)}
	}
	cols := report.TextWidth
	if wide {
		cols = 0
	}
	if err := cmp.WriteExplanation(&b, cols); err != nil {
		return err
	}
	writeNotes(&b, lab)
	text := report.Fit(b.String(), cols)
	_, err = io.WriteString(w, report.Printable(text))
	return err
}

// writeTable writes one row per run: its settings and what it measured;
// unless wide, the latencies in a second table, so that each fits.
func writeTable(b *strings.Builder, results []*report.Result, wide bool) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := "run\tports\ttw_reuse\treq/s\tconn/s\tEADDRNOTAVAIL\tonset\tother errors\t"
	if wide {
		head += "connect p50/p99\ttotal p50/p99\t"
	}
	fmt.Fprintln(tw, head)
	for _, r := range results {
		onset := tableOnset(r)
		e := r.Environment
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.0f\t%d\t%s\t%d\t", r.Label,
			e.IPLocalPortRange[1]-e.IPLocalPortRange[0]+1, e.TCPTwReuse,
			r.Throughput.RequestsPerS, r.Throughput.ConnectionsPerS, r.Errors["EADDRNOTAVAIL"], onset,
			r.Totals.RequestsFailed-r.Errors["EADDRNOTAVAIL"])
		if wide {
			fmt.Fprintf(tw, "%s\t", latencies(r))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if !wide {
		b.WriteString("\n")
		tw = tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "run\tconnect p50/p99\ttotal p50/p99\t")
		for _, r := range results {
			fmt.Fprintf(tw, "%s\t%s\t\n", r.Label, latencies(r))
		}
		tw.Flush()
	}
}

// tableOnset is the run's onset for the table: EADDRNOTAVAIL's with the
// requests ok before it, else that of the class its prediction expected
// exhaustion as (timeouts behind a NAT gateway), named; "-" for none.
func tableOnset(r *report.Result) string {
	if o, ok := r.Onset["EADDRNOTAVAIL"]; ok {
		return fmt.Sprintf("%.3fs, %d ok", o.AtS, o.RequestsOKBefore)
	}
	if p := r.Prediction; p != nil && p.OnsetClass != "" {
		if o, ok := r.Onset[p.OnsetClass]; ok {
			return fmt.Sprintf("%.3fs %s", o.AtS, p.OnsetClass)
		}
	}
	return "-"
}

// labelWidth is the width of the longest run label, at least 14, so that
// what follows the labels lines up.
func labelWidth(results []*report.Result) int {
	w := 14
	for _, r := range results {
		w = max(w, utf8.RuneCountInString(r.Label))
	}
	return w
}

// latencies are a run's connect and total p50/p99, two table cells.
func latencies(r *report.Result) string {
	return fmt.Sprintf("%s/%s\t%s/%s", report.US(r.Latency.Connect.P50US), report.US(r.Latency.Connect.P99US),
		report.US(r.Latency.Total.P50US), report.US(r.Latency.Total.P99US))
}

// writeEndings writes how each run ended: its stop reason and elapsed
// time, which decide the window its counts and rates cover.
func writeEndings(b *strings.Builder, results []*report.Result) {
	if len(results) == 0 {
		return
	}
	b.WriteString("\nEnded\n")
	for _, r := range results {
		fmt.Fprintf(b, "  %-*s %s\n", labelWidth(results), r.Label, report.Ending(r))
	}
}

// writeNotes writes the runs' notes once each, then the runs skipped and
// failed.
func writeNotes(b *strings.Builder, lab *sandbox.Lab) {
	seen := map[string]bool{}
	for _, r := range lab.Results {
		for _, n := range r.Notes {
			if !seen[n] && !strings.HasPrefix(n, "two hosts: TIME_WAIT") {
				seen[n] = true
				fmt.Fprintf(b, "\n  note: %s\n", n)
			}
		}
	}
	for _, s := range lab.Skipped {
		fmt.Fprintf(b, "\n  skipped %s\n", s)
	}
	for _, f := range lab.Failures {
		fmt.Fprintf(b, "\n  run failed: %s\n", f)
	}
}
