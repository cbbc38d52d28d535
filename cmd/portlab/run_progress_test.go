package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/sandbox"
)

// TestRunProgress feeds the progress display two runs' events: off a
// terminal it prints one line per finished run and nothing redrawn; on
// one it redraws a line in place while a run goes on and leaves the same
// finished lines.
func TestRunProgress(t *testing.T) {
	a := &scenarios.Run{Name: "churn"}
	a.Load.Duration = 2 * time.Second
	b := &scenarios.Run{Name: "pooled"}
	b.Load.Duration = 2 * time.Second
	res := &report.Result{ElapsedS: 2, Totals: report.Totals{RequestsOK: 3000, RequestsFailed: 7},
		Errors: map[string]int64{"EADDRNOTAVAIL": 7}, Sockets: &report.Sockets{TimeWaitClient: 1000, TimeWaitServer: 3}}
	events := []sandbox.Progress{
		{Run: a, Index: 1, Of: 2},
		{Run: a, Index: 1, Of: 2, Live: &sandbox.LiveSample{ElapsedS: 1, OK: 1000, TimeWait: 900}},
		{Run: a, Index: 1, Of: 2, Live: &sandbox.LiveSample{ElapsedS: 2, OK: 3000, Failed: 7, TimeWait: 1000}},
		{Run: a, Index: 1, Of: 2, Live: &sandbox.LiveSample{ElapsedS: 2.5, OK: 3000, Failed: 7, TimeWait: 1003}},
		{Run: a, Index: 1, Of: 2, Ended: true, Result: res},
		{Run: b, Index: 2, Of: 2},
		{Run: b, Index: 2, Of: 2, Live: &sandbox.LiveSample{ElapsedS: 1, OK: 50, TimeWait: -1}},
		{Run: b, Index: 2, Of: 2, Ended: true},
	}
	finished := []string{
		"run 1/2 churn: 2.0 s, 1500 ok/s, 7 EADDRNOTAVAIL, TIME_WAIT 1000 client, 3 server",
		"run 2/2 pooled: failed (see below)",
	}
	for _, tc := range []struct {
		terminal bool
		redrawn  []string
	}{
		{false, nil},
		{true, []string{
			"\r\033[Krun 1/2 churn: starting",
			"\r\033[Krun 1/2 churn: 1.0 s of 2 s, 1000 ok/s, 0 errors, TIME_WAIT 900",
			"\r\033[Krun 1/2 churn: 2.0 s of 2 s, 2000 ok/s, 7 errors, TIME_WAIT 1000",
			"\r\033[Krun 2/2 pooled: 1.0 s of 2 s, 50 ok/s, 0 errors, TIME_WAIT ?",
		}},
	} {
		var buf bytes.Buffer
		p := &runProgress{w: &buf, live: tc.terminal}
		for _, e := range events {
			p.show(e)
		}
		out := buf.String()
		var lines []string
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			// What a terminal shows of a line: what follows its last redraw.
			if i := strings.LastIndex(l, "\r\033[K"); i >= 0 {
				l = l[i+len("\r\033[K"):]
			}
			lines = append(lines, l)
		}
		if got := strings.Join(lines, "\n"); got != strings.Join(finished, "\n") {
			t.Errorf("terminal %v: got\n%q\nwant\n%q", tc.terminal, got, finished)
		}
		if len(lines) != len(finished) {
			t.Errorf("terminal %v: %d lines, want one per run: %q", tc.terminal, len(lines), out)
		}
		if strings.Contains(out, "\r") != tc.terminal {
			t.Errorf("terminal %v: redrawn lines in %q", tc.terminal, out)
		}
		for _, want := range tc.redrawn {
			if !strings.Contains(out, want) {
				t.Errorf("terminal %v: no %q in %q", tc.terminal, want, out)
			}
		}
		if strings.Contains(out, "2.5 s") {
			t.Errorf("terminal %v: the figures after the run's clock stopped were drawn: %q", tc.terminal, out)
		}
	}
}

// TestFinishedRun: a finished run's line names its error classes, the
// class alone when it is the only one.
func TestFinishedRun(t *testing.T) {
	for _, tc := range []struct {
		errs map[string]int64
		want string
	}{
		{map[string]int64{}, "1.0 s, 100 ok/s, 0 errors"},
		{map[string]int64{"EADDRNOTAVAIL": 9}, "1.0 s, 100 ok/s, 9 EADDRNOTAVAIL"},
		{map[string]int64{"EADDRNOTAVAIL": 5, "ECONNRESET": 4}, "1.0 s, 100 ok/s, 9 errors (EADDRNOTAVAIL, ECONNRESET)"},
		{map[string]int64{"EADDRNOTAVAIL": 3, "ECONNRESET": 2, "timeout": 2, "other": 2},
			"1.0 s, 100 ok/s, 9 errors (EADDRNOTAVAIL, ECONNRESET, ...)"},
	} {
		var failed int64
		for _, n := range tc.errs {
			failed += n
		}
		res := &report.Result{ElapsedS: 1, Totals: report.Totals{RequestsOK: 100, RequestsFailed: failed}, Errors: tc.errs}
		if got := finishedRun(res); got != tc.want {
			t.Errorf("errors %v: got %q, want %q", tc.errs, got, tc.want)
		}
	}
}

// TestFinishedLineFits: a finished run's line fits report.TextWidth on a
// terminal and off one. An interrupted exhaustion run's line, once over
// 100 columns and wrapped inside a clause, is one line; one too long for
// any form breaks between its clauses, never inside one.
func TestFinishedLineFits(t *testing.T) {
	const longest = "reuse-2-elsewhere" // the longest built-in run name
	for _, tc := range []struct {
		name      string
		index, of int
		res       *report.Result
		want      string // the whole output, when it is known
	}{{
		name: "tw-reuse", index: 4, of: 6,
		res: &report.Result{ElapsedS: 1.02, Interrupted: true, Totals: report.Totals{RequestsOK: 1255, RequestsFailed: 3741},
			Errors: map[string]int64{"EADDRNOTAVAIL": 3741}, Sockets: &report.Sockets{TimeWaitClient: 984}},
		want: "run 4/6 tw-reuse: interrupted at 1.0 s, 1230 ok/s, 3741 EADDRNOTAVAIL, TIME_WAIT 984 client\n",
	}, {
		name: longest, index: 10, of: 10,
		res: &report.Result{ElapsedS: 12.3, Interrupted: true, Totals: report.Totals{RequestsOK: 1_500_000, RequestsFailed: 400_000},
			Errors: map[string]int64{"EADDRNOTAVAIL": 400_000}, Sockets: &report.Sockets{TimeWaitClient: 28232, TimeWaitServer: 28232}},
	}, {
		name: longest, index: 10, of: 10,
		res: &report.Result{ElapsedS: 300, Interrupted: true, Totals: report.Totals{RequestsOK: 90_000_000, RequestsFailed: 9_000_000},
			Errors:  map[string]int64{"EADDRNOTAVAIL": 3_000_000, "ECONNRESET": 3_000_000, "timeout": 3_000_000},
			Sockets: &report.Sockets{TimeWaitClient: 64511, TimeWaitServer: 64511}},
	}} {
		run := &scenarios.Run{Name: tc.name}
		oneLine := fmt.Sprintf("run %d/%d %s: %s", tc.index, tc.of, tc.name, finishedRun(tc.res))
		for _, terminal := range []bool{false, true} {
			var buf bytes.Buffer
			p := &runProgress{w: &buf, live: terminal}
			p.show(sandbox.Progress{Run: run, Index: tc.index, Of: tc.of})
			p.show(sandbox.Progress{Run: run, Index: tc.index, Of: tc.of, Ended: true, Result: tc.res})
			out := buf.String()
			if i := strings.LastIndex(out, "\r\033[K"); i >= 0 {
				out = out[i+len("\r\033[K"):] // what a terminal shows
			}
			if tc.want != "" && out != tc.want {
				t.Errorf("%s, terminal %v: got\n%q\nwant\n%q", tc.name, terminal, out, tc.want)
			}
			for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if n := utf8.RuneCountInString(l); n > report.TextWidth {
					t.Errorf("%s, terminal %v: a line of %d columns, want <= %d: %q", tc.name, terminal, n, report.TextWidth, l)
				}
			}
			if got := strings.ReplaceAll(out, ",\n  ", ", "); got != oneLine+"\n" {
				t.Errorf("%s, terminal %v: broken inside a clause:\n%s", tc.name, terminal, out)
			}
		}
	}
}

func TestTimeWaitSides(t *testing.T) {
	for _, tc := range []struct {
		client, server int
		want           string
	}{{0, 0, "0"}, {984, 0, "984 client"}, {0, 1000, "1000 server"}, {1000, 3, "1000 client, 3 server"}} {
		if got := timeWaitSides(tc.client, tc.server); got != tc.want {
			t.Errorf("timeWaitSides(%d, %d) = %q, want %q", tc.client, tc.server, got, tc.want)
		}
	}
}
