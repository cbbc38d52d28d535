package labreport

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/predict"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// Write writes the lab's comparison table, each prediction beside its
// measurement, and a diagnosis in plain words, within report.TextWidth
// columns: the table stacked in two, long lines wrapped.
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
		fmt.Fprintf(&b, "sandbox: %s, Linux %s\n\n", where, lab.Results[0].Environment.Kernel)
	}

	writeTable(&b, lab.Results, wide)

	b.WriteString("\nPrediction vs measured\n")
	for _, r := range lab.Results {
		for _, c := range r.Checks {
			fmt.Fprintf(&b, "  %-*s %s\n", labelWidth(lab.Results), r.Label, describeCheck(c))
		}
	}

	writeExpectations(&b, lab)

	b.WriteString("\nDiagnosis\n")
	for _, line := range Diagnose(lab) {
		fmt.Fprintf(&b, "  %s\n", line)
	}
	writeNotes(&b, lab)
	text := b.String()
	if !wide {
		text = report.Fit(text, report.TextWidth)
	}
	_, err := io.WriteString(w, report.Printable(text))
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
		onset := "-"
		if o, ok := r.Onset["EADDRNOTAVAIL"]; ok {
			onset = fmt.Sprintf("%.3fs, %d ok", o.AtS, o.RequestsOKBefore)
		}
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

// writeExpectations writes each run's expectations with their verdicts.
func writeExpectations(b *strings.Builder, lab *sandbox.Lab) {
	if !lab.HasExpectations() {
		return
	}
	b.WriteString("\nExpectations\n")
	for _, r := range lab.Results {
		for _, e := range r.Expectations {
			verdict := "PASS"
			if !e.Pass {
				verdict = "FAIL"
			}
			detail := fmt.Sprintf("%g", e.Value)
			if e.Why != "" {
				detail = e.Why
			}
			fmt.Fprintf(b, "  %s  %-*s %s %s (got %s)\n", verdict, labelWidth(lab.Results), r.Label, e.Path, e.Want, detail)
		}
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

func describeCheck(c report.Check) string {
	switch c.Name {
	case "onset_after_connections":
		return fmt.Sprintf("onset after %.0f connections, predicted %.0f (usable ports x port spaces): ratio %.2f", c.Measured, c.Predicted, c.Ratio)
	case "sustained_connections_per_s":
		return fmt.Sprintf("steady churn %.0f connections/s, predicted %.0f (ports / tcp_tw_reuse_delay): ratio %.2f", c.Measured, c.Predicted, c.Ratio)
	case "eaddrnotavail":
		if c.Measured == 0 {
			return "no EADDRNOTAVAIL, as predicted"
		}
		return fmt.Sprintf("%.0f EADDRNOTAVAIL where none was predicted", c.Measured)
	}
	return fmt.Sprintf("%s: predicted %g, measured %g", c.Name, c.Predicted, c.Measured)
}

// Diagnose explains the lab's outcome: the cause of any exhaustion, then
// each run's measured effect, from the results alone.
func Diagnose(lab *sandbox.Lab) []string {
	out := timeWaitCause(lab.Results)
	for _, r := range lab.Results {
		if o, ok := r.Onset["EAGAIN"]; ok && protocolOf(r) == loadgen.ProtocolUDP {
			out = append(out,
				fmt.Sprintf("Cause (%s): a UDP connect() failed with EAGAIN (\"resource temporarily unavailable\") %.3f s into the run, after %d sockets:",
					r.Label, o.AtS, o.ConnectionsBefore),
				"  every port of the range was held by a connected UDP socket still open. UDP has no TIME_WAIT: a closed",
				"  socket frees its port at once, so this is sockets held open (leaked), and Linux reports it as EAGAIN, not EADDRNOTAVAIL.")
			break
		}
	}
	for _, r := range lab.Results {
		if o, ok := r.Onset["EADDRINUSE"]; ok {
			out = append(out,
				fmt.Sprintf("Cause (%s): bind() failed with EADDRINUSE (\"address already in use\") %.3f s into the run, after %d connections:",
					r.Label, o.AtS, o.ConnectionsBefore),
				"  binding a source address before connect() makes bind() pick the port without knowing the destination,",
				"  so it cannot share a port across 4-tuples and skips every port held in TIME_WAIT.",
				"  IP_BIND_ADDRESS_NO_PORT (--bind-no-port) leaves the port to connect().")
			break
		}
	}
	if len(out) == 0 {
		out = append(out, "No run exhausted its ports.")
	}
	out = append(out, "", "Each run, measured:")
	for _, r := range lab.Results {
		lesson := ""
		if run := lab.Scenario.Run(r.Label); run != nil {
			lesson = run.Lesson
		}
		out = append(out, fmt.Sprintf("- %s: %s.", r.Label, lesson), "    "+measuredEffect(r))
	}
	return out
}

// timeWaitCause explains the first run that ran out of ports to TIME_WAIT,
// if any.
func timeWaitCause(results []*report.Result) []string {
	var cause *report.Result
	for _, r := range results {
		if r.Errors["EADDRNOTAVAIL"] > 0 && cause == nil {
			cause = r
		}
	}
	if cause == nil {
		return nil
	}
	e := cause.Environment
	n := e.IPLocalPortRange[1] - e.IPLocalPortRange[0] + 1
	held := "most"
	if s := cause.Sockets; s != nil {
		held = fmt.Sprintf("%d", s.TimeWaitClient)
	}
	o := cause.Onset["EADDRNOTAVAIL"]
	toward := "toward " + cause.Target
	if n := strings.Count(cause.Target, ",") + 1; n > 1 {
		toward = fmt.Sprintf("toward each of the %d destinations", n)
	}
	out := []string{
		fmt.Sprintf("Cause (%s): connect() failed with EADDRNOTAVAIL (\"cannot assign requested address\") %.3f s into the run, after %d connections:",
			cause.Label, o.AtS, o.ConnectionsBefore),
		fmt.Sprintf("  %s of the %d ports of %d-%d %s were held in TIME_WAIT by the client, which closed first.",
			held, n, e.IPLocalPortRange[0], e.IPLocalPortRange[1], toward),
		"  TIME_WAIT lasts 60 s on Linux (TCP_TIMEWAIT_LEN); tcp_fin_timeout does not change it.",
		"  A local port is unique per (source IP, destination IP:port): more source IPs or destinations multiply the ports.",
	}
	return append(out, httpCause(cause)...)
}

func measuredEffect(r *report.Result) string {
	parts := []string{fmt.Sprintf("%d requests ok over %d connections (%.0f req/s)",
		r.Totals.RequestsOK, r.Totals.ConnectionsOpened, r.Throughput.RequestsPerS)}
	if len(r.Errors) == 0 {
		parts = append(parts, "no errors")
	}
	for _, class := range report.SortedClasses(r.Errors) {
		s := fmt.Sprintf("%d %s", r.Errors[class], class)
		if o, ok := r.Onset[class]; ok {
			s += fmt.Sprintf(" from %.3f s on", o.AtS)
		}
		parts = append(parts, s)
	}
	if rate, ok := predict.SteadyConnectionsPerS(r); ok {
		parts = append(parts, fmt.Sprintf("then a steady %.0f connections/s", rate))
	}
	if s := r.Sockets; s != nil {
		side := "side"
		if r.Environment.Topology == string(scenarios.TwoHosts) {
			side = "host"
		}
		parts = append(parts, fmt.Sprintf("TIME_WAIT at the end: %d client %s, %d server %s", s.TimeWaitClient, side, s.TimeWaitServer, side))
	}
	if p := r.ListenProbe; p != nil {
		if p.OK {
			parts = append(parts, fmt.Sprintf("a server could then bind %s", p.Addr))
		} else {
			parts = append(parts, fmt.Sprintf("a server could then NOT bind %s: %s", p.Addr, p.Error))
		}
	}
	return strings.Join(parts, "; ")
}

// protocolOf is the protocol a result's load spoke.
func protocolOf(r *report.Result) loadgen.Protocol {
	if r.Config == nil || r.Config.Protocol == "" {
		return loadgen.ProtocolTCP
	}
	return r.Config.Protocol
}

// httpCause names the HTTP client setting behind an exhaustion.
func httpCause(r *report.Result) []string {
	if protocolOf(r) != loadgen.ProtocolHTTP {
		return nil
	}
	c := r.Config
	if c.UnreadBody {
		return []string{"  The HTTP client closed each response body unread: the Transport cannot reuse such a connection,",
			"  so every request opened a new one. Read the body to EOF (io.Copy(io.Discard, resp.Body)) before Close."}
	}
	idle := c.MaxIdlePerHost
	if idle == 0 {
		idle = http.DefaultMaxIdleConnsPerHost
	}
	if idle < c.Concurrency {
		return []string{
			fmt.Sprintf("  The HTTP client's Transport keeps only MaxIdleConnsPerHost = %d idle connections per host for %d concurrent", idle, c.Concurrency),
			"  requests: a connection freed while that many sit idle is closed, as happens whenever responses finish in parallel.",
			"  Set MaxIdleConnsPerHost to the concurrency."}
	}
	return nil
}
