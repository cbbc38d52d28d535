package report

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText writes a terminal summary of r.
func WriteText(w io.Writer, r *Result) error {
	var b strings.Builder
	title := r.Label
	if title == "" {
		title = "run"
	}
	fmt.Fprintf(&b, "%s: %s → %s\n", title, r.Strategy, r.Target)
	fmt.Fprintf(&b, "  ran %.2f s", r.ElapsedS)
	if r.WindDownS != 0 {
		fmt.Fprintf(&b, " (then %.2f s winding down)", r.WindDownS)
	}
	fmt.Fprintf(&b, ", stopped by %s", r.StopReason)
	if r.Interrupted {
		b.WriteString(" (interrupted: partial result)")
	}
	b.WriteString("\n")
	e := r.Environment
	lo, hi := e.IPLocalPortRange[0], e.IPLocalPortRange[1]
	if hi >= lo && hi > 0 {
		fmt.Fprintf(&b, "  %s %s, netns %s, ephemeral ports %d–%d (%d), tcp_tw_reuse %d, tcp_fin_timeout %d\n",
			e.OS, e.Kernel, e.Netns, lo, hi, hi-lo+1, e.TCPTwReuse, e.TCPFinTimeout)
	}
	writeAccounting(&b, r)
	fmt.Fprintf(&b, "  connections  %d opened          %.1f/s\n", r.Totals.ConnectionsOpened, r.Throughput.ConnectionsPerS)
	fmt.Fprintf(&b, "  bytes        %d sent, %d received\n", r.Totals.BytesSent, r.Totals.BytesReceived)
	writeStatus(&b, r.Status)
	if c := r.Client; c != nil {
		// Short enough for 100 columns: the wrapper would split a figure
		// from its unit.
		fmt.Fprintf(&b, "  client cost  %.1f µs CPU/request, %.2f CPUs busy (%.2f s user, %.2f s sys), peak RSS %.1f MB\n",
			c.CPUPerRequestUS, c.CPUBusy, c.CPUUserS, c.CPUSysS, float64(c.MaxRSSKB)/1024)
		if c.RSSKB > 0 {
			fmt.Fprintf(&b, "  client RSS   %.1f MB at the end: %.1f MB anonymous (heap, stacks), %.1f MB file-backed (code)\n",
				float64(c.RSSKB)/1024, float64(c.RSSAnonKB)/1024, float64(c.RSSFileKB)/1024)
		}
	}

	writeGateway(&b, r)
	writeErrors(&b, r)

	b.WriteString("\n")
	writeLatency(&b, r.Latency)

	if len(r.Timeline) > 0 {
		b.WriteString("\n")
		writeTimeline(&b, r.Timeline)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\n  note: %s", n)
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, Printable(Fit(b.String(), TextWidth)))
	return err
}

// writeTimeline writes at most timelineRows intervals of tl, a "…" row
// where it leaves some out: a gap must not read as a steady run. Behind a
// NAT gateway two columns show its conntrack entries and the SYNs it has
// dropped so far.
func writeTimeline(b *strings.Builder, tl []Interval) {
	var t strings.Builder
	tw := tabwriter.NewWriter(&t, 0, 0, 2, ' ', tabwriter.AlignRight)
	gateway := slices.ContainsFunc(tl, func(iv Interval) bool { return iv.Gateway != nil })
	head := "  t\tok\terrors\tconns\tTIME_WAIT\tESTAB\tp50\tp99\t"
	if gateway {
		head += "gw entries\tgw drops\t"
	}
	fmt.Fprintln(tw, head)
	// A gap row has every cell, or tabwriter would align the columns
	// after it on their own.
	gap := "…" + strings.Repeat("\t", strings.Count(head, "\t"))
	prev, left := 0, 0
	for k, i := range sampledIndices(len(tl), timelineRows) {
		if k > 0 && i > prev+1 {
			fmt.Fprintln(tw, gap)
			left += i - prev - 1
		}
		prev = i
		iv := tl[i]
		fmt.Fprintf(tw, "  %.1fs\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t", iv.TS, iv.RequestsOK, sum(iv.Errors),
			iv.ConnectionsOpened, count(iv.TimeWait), count(iv.Established), US(iv.P50US), US(iv.P99US))
		if g := iv.Gateway; g != nil {
			fmt.Fprintf(tw, "%d\t%d\t", g.Entries, g.Dropped())
		} else if gateway {
			fmt.Fprint(tw, "-\t-\t")
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	for _, line := range strings.SplitAfter(t.String(), "\n") {
		if line != "" {
			b.WriteString(strings.TrimRight(line, " \n") + "\n") // the "…" rows' empty cells
		}
	}
	if left > 0 {
		fmt.Fprintf(b, "  (… marks %d of the %d intervals left out; the result JSON has them all)\n", left, len(tl))
	}
	if gateway {
		b.WriteString("  (gw entries: the NAT gateway's conntrack entries; gw drops: the SYNs it has dropped so far,\n" +
			"  flows it had no SNAT port for)\n")
	}
}

// writeLatency writes the three histograms' percentiles as a table.
func writeLatency(b *strings.Builder, l Latencies) {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  latency\tcount\tmin\tp50\tp90\tp99\tp99.9\tmax\tmean\t")
	for _, row := range []struct {
		name string
		h    Histogram
	}{{"connect", l.Connect}, {"round trip", l.RoundTrip}, {"total", l.Total}} {
		h := row.h
		if h.Count == 0 {
			fmt.Fprintf(tw, "  %s\t0\t-\t-\t-\t-\t-\t-\t-\t\n", row.name)
			continue
		}
		fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", row.name, h.Count,
			US(h.MinUS), US(h.P50US), US(h.P90US), US(h.P99US), US(h.P999US), US(h.MaxUS), US(int64(h.MeanUS)))
	}
	tw.Flush()
}

// writeErrors writes the failed requests by class, with each class's onset.
func writeErrors(b *strings.Builder, r *Result) {
	if len(r.Errors) == 0 {
		b.WriteString("  errors       none\n")
		return
	}
	b.WriteString("  errors\n")
	for _, class := range SortedClasses(r.Errors) {
		fmt.Fprintf(b, "    %-14s %d", class, r.Errors[class])
		if o, ok := r.Onset[class]; ok {
			fmt.Fprintf(b, "   first at %.3f s, after %d ok requests and %d connections",
				o.AtS, o.RequestsOKBefore, o.ConnectionsBefore)
		}
		b.WriteString("\n")
	}
}

// writeAccounting writes where every request went: started = ok + failed
// + incomplete and, in an open loop, scheduled = started + unsent.
func writeAccounting(b *strings.Builder, r *Result) {
	t := r.Totals
	fmt.Fprintf(b, "\n  requests     %d ok, %d failed, %d incomplete", t.RequestsOK, t.RequestsFailed, t.RequestsIncomplete)
	if t.RequestsStarted != 0 {
		fmt.Fprintf(b, " of %d started", t.RequestsStarted)
	}
	fmt.Fprintf(b, "   %.1f ok/s\n", r.Throughput.RequestsPerS)
	if openLoop(r) {
		fmt.Fprintf(b, "  scheduled    %d due, %d unsent", t.RequestsScheduled, t.RequestsUnsent)
		if t.RequestsUnsent > 0 {
			b.WriteString(" (the generator or the connections fell behind)")
		}
		b.WriteString("\n")
	}
	if err := t.Accounted(); err != nil && t.RequestsStarted != 0 {
		fmt.Fprintf(b, "  unaccounted  %v\n", err)
	}
}

// writeStatus writes the HTTP responses by status code, in code order.
func writeStatus(b *strings.Builder, status map[string]int64) {
	if len(status) == 0 {
		return
	}
	codes := slices.Sorted(maps.Keys(status))
	parts := make([]string, len(codes))
	for i, code := range codes {
		parts[i] = fmt.Sprintf("%s ×%d", code, status[code])
	}
	fmt.Fprintf(b, "  status       %s\n", strings.Join(parts, ", "))
}

// timelineRows is how many intervals the text timeline prints at most.
const timelineRows = 20

// Sampled returns at most n intervals spread evenly over tl, always keeping
// the last, so long runs still print a short table.
func Sampled(tl []Interval, n int) []Interval {
	idx := sampledIndices(len(tl), n)
	out := make([]Interval, len(idx))
	for k, i := range idx {
		out[k] = tl[i]
	}
	return out
}

// sampledIndices picks at most n of the indices 0..total-1, spread
// evenly, the first and the last always among them.
func sampledIndices(total, n int) []int {
	out := make([]int, 0, min(total, n))
	if total <= n {
		for i := range total {
			out = append(out, i)
		}
		return out
	}
	step := float64(total-1) / float64(n-1)
	for i := 0; i < n; i++ {
		out = append(out, int(float64(i)*step+0.5))
	}
	return out
}

// SortedClasses lists the error classes of m, most frequent first.
func SortedClasses(m map[string]int64) []string {
	classes := make([]string, 0, len(m))
	for c := range m {
		classes = append(classes, c)
	}
	sort.Slice(classes, func(i, j int) bool {
		if m[classes[i]] != m[classes[j]] {
			return m[classes[i]] > m[classes[j]]
		}
		return classes[i] < classes[j]
	})
	return classes
}

// US formats a microsecond figure with a readable unit.
func US(us int64) string {
	if us <= 0 {
		return "-"
	}
	d := time.Duration(us) * time.Microsecond
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", us)
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(us)/1e3)
	default:
		return fmt.Sprintf("%.2fs", float64(us)/1e6)
	}
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func count(n int) string {
	if n < 0 {
		return "?"
	}
	return fmt.Sprint(n)
}

// writeGateway writes the NAT gateway a run crossed: its SNAT pool, its
// conntrack table at the fullest and at the end, and the SYNs it dropped.
func writeGateway(b *strings.Builder, r *Result) {
	peak, ok := r.GatewayPeak()
	if !ok {
		return
	}
	g := r.Gateway
	const indent = "               "
	fmt.Fprintf(b, "  NAT gateway  SNAT pool %s\n", r.PoolText())
	fmt.Fprintf(b, indent+"%s; conntrack peak %d", plural(g.Clients, "client host", "client hosts"), peak.Entries)
	if g.ConntrackMax > 0 {
		fmt.Fprintf(b, " of %d", g.ConntrackMax)
	}
	fmt.Fprintf(b, ", %d at the end; %d SYNs dropped\n", g.End.Entries, r.GatewayDropped())
	if st := g.End.StatesText(); st != "" {
		writeWrapped(b, indent+"at the end: ", st)
	}
}
