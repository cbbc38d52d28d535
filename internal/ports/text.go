package ports

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// topDestinations is how many destinations WriteText lists.
const topDestinations = 10

// WriteText writes a human summary of r: the range and what is reserved,
// the TIME_WAIT-related settings, socket states, the busiest destinations
// with a usage bar and level, for the busiest of them who holds the ports,
// which side closes first and the cure on this host, and listeners inside
// the range with the fix.
func WriteText(w io.Writer, r *Report) error {
	ew := &errWriter{w: w}
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	p := func(format string, a ...any) { fmt.Fprintf(tw, format, a...) }
	writeSettings(p, r)
	writeDestinations(p, r)
	if err := tw.Flush(); err != nil {
		return err
	}
	writeCulprits(ew, r)
	writeListeners(p, r)
	for _, u := range r.Unsupported {
		p("\nNot available: %s\n", u)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return ew.err
}

// printer writes one formatted piece of the report.
type printer func(format string, a ...any)

// writeSettings writes the range, reserved ports, the sysctls and states.
func writeSettings(p printer, r *Report) {
	p("Ephemeral ports on %s: level %s\n", r.OS, strings.ToUpper(r.Level))
	p("  range\t%d-%d (%d ports)\n", r.IPLocalPortRange[0], r.IPLocalPortRange[1], r.PortsInRange)
	reserved := "none"
	if len(r.Reserved) > 0 {
		reserved = strings.Join(r.Reserved, ",")
	}
	p("  reserved\t%s (%d in range); usable %d per destination\n", reserved, r.ReservedInRange, r.UsablePorts)
	if r.TCPTwReuse != nil {
		p("  tcp_tw_reuse\t%d (%s)\n", *r.TCPTwReuse, twReuseMeaning(*r.TCPTwReuse))
	}
	if r.TCPFinTimeout != nil {
		p("  tcp_fin_timeout\t%d s (bounds FIN_WAIT2 only; TIME_WAIT lasts 60 s regardless)\n", *r.TCPFinTimeout)
	}
	if len(r.States) > 0 {
		p("  states\t%s\n", formatStates(r.States))
	}
}

// writeDestinations writes the busiest destinations' table.
func writeDestinations(p printer, r *Report) {
	if len(r.Destinations) == 0 {
		return
	}
	p("\nBusiest destinations (local ports in the range, of %d usable toward each):\n", r.UsablePorts)
	growth := r.Destinations[0].GrowthPerS != nil
	p("  REMOTE\tPORTS\tUSAGE\t\tLEVEL\t")
	if growth {
		p("GROWTH/S\tRUNS OUT IN\t")
	}
	p("STATES\n")
	for _, d := range r.Destinations[:min(len(r.Destinations), topDestinations)] {
		p("  %s\t%d\t%.1f%%\t%s\t%s\t", d.Remote, d.PortsUsed, d.UsagePercent, bar(d.UsagePercent), d.Level)
		if growth {
			p("%s\t%s\t", formatGrowth(d.GrowthPerS), formatExhaustion(d.ExhaustionInS))
		}
		p("%s\n", formatStates(d.States))
	}
	if n := len(r.Destinations) - topDestinations; n > 0 {
		p("  ... and %d more\n", n)
	}
}

// culpritDestinations is how many destinations WriteText explains.
const culpritDestinations = 3

// writeCulprits names, for the busiest destinations, who holds the ports,
// which side closes first and the cure. It writes past the tabwriter: the
// cures are long lines, not table cells.
func writeCulprits(w io.Writer, r *Report) {
	if len(r.Destinations) == 0 {
		return
	}
	fmt.Fprintf(w, "\nWho holds the ports, and the cure:\n")
	for _, d := range r.Destinations[:min(len(r.Destinations), culpritDestinations)] {
		fmt.Fprintf(w, "  %s (%s, %.1f%%): closes first: %s; %s\n", d.Remote, d.Level, d.UsagePercent, d.ClosesFirst, formatStates(d.States))
		held := "no process seen"
		if len(d.Owners) > 0 {
			parts := make([]string, len(d.Owners))
			for i, o := range d.Owners {
				parts[i] = fmt.Sprintf("pid %d (%s) %s", o.PID, o.Command, plural(o.Sockets, "socket"))
			}
			held = strings.Join(parts, ", ")
		}
		fmt.Fprintf(w, "    held by: %s; %s unowned\n", held, plural(d.UnownedSockets, "socket"))
		fmt.Fprintf(w, "    cure: %s\n", d.Cure)
	}
	for _, u := range r.OwnersUnseen {
		fmt.Fprintf(w, "  (%s)\n", u)
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeListeners writes the listeners whose port lies inside the range.
func writeListeners(p printer, r *Report) {
	if len(r.ListenersInRange) == 0 {
		return
	}
	p("\nListening ports inside the range (a client can take one while its server is down; reserve them):\n")
	ports := make([]string, 0, len(r.ListenersInRange))
	for _, l := range r.ListenersInRange {
		p("  %s\t%s\n", l.Local, l.Fix)
		ports = append(ports, fmt.Sprint(l.Port))
	}
	if ports = slices.Compact(ports); len(ports) > 1 {
		// Each Fix rewrites the whole list, so applying them one after the
		// other keeps only the last: offer them together.
		p("  all at once:\t%s\n", reserveFix(r.Reserved, strings.Join(ports, ",")))
	}
}

// errWriter keeps the first write error so WriteText can check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(b []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(b)
	e.err = err
	return n, err
}

func twReuseMeaning(v int) string {
	switch v {
	case 0:
		return "off"
	case 1:
		return "on"
	case 2:
		return "loopback only"
	}
	return "unknown"
}

// formatStates lists states by count, largest first.
func formatStates(m map[string]int) string {
	names := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(m[b]-m[a], strings.Compare(a, b))
	})
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s %d", n, m[n])
	}
	return strings.Join(parts, ", ")
}

const barWidth = 20

func bar(percent float64) string {
	n := min(max(int(percent/100*barWidth+0.5), 0), barWidth)
	return "[" + strings.Repeat("#", n) + strings.Repeat(".", barWidth-n) + "]"
}

func formatGrowth(g *float64) string {
	if g == nil {
		return "-"
	}
	return fmt.Sprintf("%+.1f", *g)
}

func formatExhaustion(s *float64) string {
	if s == nil {
		return "-"
	}
	if *s > 365*24*3600 {
		return "> 1 year" // and beyond what a Duration holds, soon
	}
	return time.Duration(*s * float64(time.Second)).Round(time.Second).String()
}

// WriteLine writes r as one line, for a log or a pipe under --watch: the
// time, the level, the busiest destination with its usage, trend, forecast,
// owners and states, and how many destinations hold ports.
func WriteLine(w io.Writer, r *Report, at time.Time) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", at.UTC().Format(time.RFC3339), strings.ToUpper(r.Level))
	if len(r.Destinations) == 0 {
		fmt.Fprintf(&b, " no destination holds ports in %d-%d", r.IPLocalPortRange[0], r.IPLocalPortRange[1])
	} else {
		d := r.Destinations[0]
		fmt.Fprintf(&b, " busiest %s %d/%d ports %.1f%% growth %s/s runs out in %s; closes first: %s; %s",
			d.Remote, d.PortsUsed, r.UsablePorts, d.UsagePercent, formatGrowth(d.GrowthPerS), formatExhaustion(d.ExhaustionInS),
			d.ClosesFirst, formatStates(d.States))
		if len(d.Owners) > 0 {
			fmt.Fprintf(&b, "; held by %s", who(&d))
		}
		fmt.Fprintf(&b, "; %s", plural(len(r.Destinations), "destination"))
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}
