package main

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// liveCols bounds the line redrawn in place: a longer one would wrap in an
// 80-column terminal and each redraw would leave a line behind.
const liveCols = 79

// runProgress shows a scenario's runs as they go: on a terminal one line
// redrawn in place while a run goes on, then a line per finished run; off
// a terminal (a pipe, CI) only the line per finished run, nothing redrawn.
type runProgress struct {
	w    io.Writer
	live bool // redraw a line in place
	prev sandbox.LiveSample
	// drawn is whether a live line is on screen, to be cleared.
	drawn bool
}

// show is sandbox.Options.Progress.
func (p *runProgress) show(e sandbox.Progress) {
	head := fmt.Sprintf("run %d/%d %s", e.Index, e.Of, e.Run.Name)
	switch {
	case e.Ended:
		p.clear()
		fmt.Fprint(p.w, report.Fit(fitClauses(head+": ", finishedClauses(e.Result), report.TextWidth)+"\n", report.TextWidth))
	case e.Live != nil:
		// The child's last figures come after the run's clock stopped:
		// its rate would fall; the run's line follows.
		if p.live && e.Live.ElapsedS <= e.Run.Load.Duration.Seconds() {
			p.draw(head + ": " + liveRun(e.Live, p.prev, e.Run))
		}
		p.prev = *e.Live
	default:
		p.prev = sandbox.LiveSample{}
		if p.live {
			p.draw(head + ": starting")
		}
	}
}

func (p *runProgress) draw(line string) {
	if r := []rune(line); len(r) > liveCols {
		line = string(r[:liveCols-1]) + "…"
	}
	fmt.Fprint(p.w, "\r\033[K"+line)
	p.drawn = true
}

func (p *runProgress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
		p.drawn = false
	}
}

// liveRun is a run so far: elapsed of its duration, the ok/s since the
// previous sample, errors and the namespace's TIME_WAIT.
func liveRun(s *sandbox.LiveSample, prev sandbox.LiveSample, r *scenarios.Run) string {
	rate := 0.0
	if d := s.ElapsedS - prev.ElapsedS; d > 0 {
		rate = float64(s.OK-prev.OK) / d
	}
	tw := "?"
	if s.TimeWait >= 0 {
		tw = fmt.Sprint(s.TimeWait)
	}
	return fmt.Sprintf("%.1f s of %s, %.0f ok/s, %d errors, TIME_WAIT %s",
		s.ElapsedS, seconds(r.Load.Duration), rate, s.Failed, tw)
}

// finishedRun sums up a finished run in one line: its elapsed time, ok
// requests per second, errors by class, TIME_WAIT at the end by side.
func finishedRun(res *report.Result) string { return strings.Join(finishedClauses(res), ", ") }

// finishedClauses are finishedRun's clauses, each whole: a line too long
// breaks between them.
func finishedClauses(res *report.Result) []string {
	if res == nil {
		return []string{"failed (see below)"}
	}
	prec := 1
	if res.ElapsedS < 1 {
		prec = 2
	}
	elapsed := fmt.Sprintf("%.*f s", prec, res.ElapsedS)
	if res.Interrupted {
		elapsed = "interrupted at " + elapsed
	}
	out := []string{elapsed}
	if res.ElapsedS > 0 {
		out = append(out, fmt.Sprintf("%.0f ok/s", float64(res.Totals.RequestsOK)/res.ElapsedS))
	}
	switch classes := report.SortedClasses(res.Errors); {
	case len(classes) == 1 && res.Errors[classes[0]] == res.Totals.RequestsFailed:
		out = append(out, fmt.Sprintf("%d %s", res.Totals.RequestsFailed, classes[0]))
	case len(classes) > 0:
		if len(classes) > 2 {
			classes = append(classes[:2], "...")
		}
		out = append(out, fmt.Sprintf("%d errors (%s)", res.Totals.RequestsFailed, strings.Join(classes, ", ")))
	default:
		out = append(out, fmt.Sprintf("%d errors", res.Totals.RequestsFailed))
	}
	if s := res.Sockets; s != nil {
		out = append(out, "TIME_WAIT "+timeWaitSides(s.TimeWaitClient, s.TimeWaitServer))
	}
	return out
}

// timeWaitSides names the sides holding TIME_WAIT, leaving out one with
// none: whoever closes first holds it all, so one side is usually 0, and
// the line then fits an interrupted run's figures.
func timeWaitSides(client, server int) string {
	switch {
	case client == 0 && server == 0:
		return "0"
	case server == 0:
		return fmt.Sprintf("%d client", client)
	case client == 0:
		return fmt.Sprintf("%d server", server)
	}
	return fmt.Sprintf("%d client, %d server", client, server)
}

// fitClauses writes head and clauses joined by ", " within cols, breaking
// between clauses onto indented lines: a word wrap would split one
// ("TIME_WAIT 984 client, 0\n  server").
func fitClauses(head string, clauses []string, cols int) string {
	var b strings.Builder
	b.WriteString(head)
	width := utf8.RuneCountInString(head)
	for i, c := range clauses {
		n := utf8.RuneCountInString(c)
		switch {
		case i == 0:
		case width+2+n > cols:
			b.WriteString(",\n  ")
			width = 2
		default:
			b.WriteString(", ")
			width += 2
		}
		b.WriteString(c)
		width += n
	}
	return b.String()
}

// estimate is how long sc's runs in topology should take, from their
// durations: about low, at most high when a run bounded by a request
// count ends before its duration (a run that exhausts its ports does).
func estimate(sc *scenarios.Scenario, topology scenarios.Topology) (runs int, low, high time.Duration) {
	for _, r := range sc.Runs {
		if r.Topology != "" && r.Topology != topology {
			continue
		}
		runs++
		high += r.Load.Duration
		if r.Load.Requests == 0 {
			low += r.Load.Duration
		}
	}
	return runs, low, high
}

// firstLine is what run prints before a scenario's first run: what runs
// and how long it should take.
func firstLine(sc *scenarios.Scenario, topology scenarios.Topology) string {
	runs, low, high := estimate(sc, topology)
	s := fmt.Sprintf("running %s: %d runs, about %s", sc.Name, runs, seconds(max(low, time.Second)))
	if high > low {
		s += fmt.Sprintf(" (at most %s)", seconds(high))
	}
	return s + ", each in a private network namespace"
}

// seconds writes d as whole seconds when it is, else to a tenth.
func seconds(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}
