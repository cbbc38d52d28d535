package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/exporter"
	"github.com/portlab/portlab/internal/ports"
	"github.com/portlab/portlab/report"
)

// portsFlags are portlab ports' options.
type portsFlags struct {
	asJSON bool
	watch  time.Duration
	count  int
	serve  string
	top    int
}

const portsSynopsis = "ports [--json] [--watch INTERVAL [--count N]] | --serve ADDR [--top N]\n\n" +
	"Inspects this host's ephemeral ports, read-only: range, reserved ports, socket states,\n" +
	"ports held per destination (ok / warn >= 60% / crit >= 80%) with the processes holding them,\n" +
	"which side closes first and the cure, listeners inside the range.\n" +
	"--watch samples until Ctrl-C: one line per sample (a redrawn report on a terminal).\n" +
	"--serve exports the same as Prometheus metrics on http://ADDR/metrics, read on every scrape."

func cmdPorts(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f portsFlags
	fs := newFlagSet("ports", portsSynopsis, stderr)
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON (under --watch: one JSON object per line per sample)")
	fs.DurationVar(&f.watch, "watch", 0, "sample this often until Ctrl-C, with each destination's growth and time to exhaustion")
	fs.IntVar(&f.count, "count", 0, "--watch: stop after this many samples (0 = until Ctrl-C)")
	fs.StringVar(&f.serve, "serve", "", "serve Prometheus metrics on HOST:PORT/metrics until Ctrl-C")
	fs.IntVar(&f.top, "top", 10, "--serve: name this many busiest destinations in per-destination series; the rest are \"other\"")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	err := f.validate(fs.Args())
	if err == nil && fs.Changed("top") && f.serve == "" {
		err = errors.New("top: needs --serve")
	}
	if err != nil {
		return usageError(stderr, "ports", err)
	}
	switch {
	case f.serve != "":
		return servePorts(ctx, f, stdout, stderr)
	case f.watch > 0:
		err = watchPorts(ctx, f, stdout)
	default:
		var r *ports.Report
		if r, err = ports.Inspect(); err == nil {
			err = writePorts(stdout, r, f.asJSON, false, time.Now())
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case err != nil:
		fmt.Fprintf(stderr, "portlab ports: %v\n", err)
		return exitFailure
	}
	return exitOK
}

func (f portsFlags) validate(args []string) error {
	switch {
	case len(args) > 0:
		return fmt.Errorf("unexpected argument %q", args[0])
	case f.watch < 0 || (f.watch > 0 && f.watch < 100*time.Millisecond):
		return fmt.Errorf("watch: must be >= 100ms, got %s", f.watch)
	case f.count < 0:
		return fmt.Errorf("count: must be >= 0, got %d", f.count)
	case f.count > 0 && f.watch == 0:
		return errors.New("count: needs --watch")
	case f.top < 1:
		return fmt.Errorf("top: must be >= 1, got %d", f.top)
	case f.serve != "" && (f.watch > 0 || f.asJSON):
		return errors.New("serve: cannot be combined with --watch or --json")
	}
	if f.serve != "" {
		if _, err := config.CheckAddr(f.serve, "tcp", 0); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
	}
	return nil
}

// servePorts serves the ports exporter on f.serve until ctx is done (Ctrl-C
// is how it ends: exit 0). Each scrape reads the kernel's state then.
func servePorts(ctx context.Context, f portsFlags, stdout, stderr io.Writer) int {
	h, err := exporter.Handler(exporter.NewPortsCollector(f.top))
	if err != nil {
		fmt.Fprintf(stderr, "portlab ports: %v\n", err)
		return exitFailure
	}
	ln, err := net.Listen("tcp", f.serve)
	if err != nil {
		fmt.Fprintf(stderr, "portlab ports: serve: %v\n", err)
		return exitFailure
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute}
	fmt.Fprintf(stdout, "serving metrics on http://%s/metrics\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err = <-done:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = srv.Shutdown(sctx)
		<-done
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "portlab ports: serve: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// clearScreen moves the cursor home and clears a VT100 terminal.
const clearScreen = "\x1b[H\x1b[2J"

// watchPorts samples every f.watch until ctx is done or f.count samples
// are written. The first sample has no trend yet; each later one compares
// with the one before.
func watchPorts(ctx context.Context, f portsFlags, stdout io.Writer) error {
	var w ports.Watcher
	redraw := isTerminal(stdout) && !f.asJSON
	t := time.NewTicker(f.watch)
	defer t.Stop()
	for n := 1; ; n++ {
		r, err := w.Sample()
		if err != nil {
			return err
		}
		if redraw {
			io.WriteString(stdout, clearScreen)
		}
		if err := writePorts(stdout, r, f.asJSON, !redraw, time.Now()); err != nil {
			return err
		}
		if n == f.count {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// writePorts writes one report: JSON (indented, or one line per sample
// under --watch), one text line, or the whole text report (on a terminal
// under --watch, after clearing the screen).
func writePorts(w io.Writer, r *ports.Report, asJSON, line bool, at time.Time) error {
	switch {
	case asJSON:
		enc := json.NewEncoder(w)
		if !line {
			enc.SetIndent("", "  ")
		}
		return enc.Encode(r)
	case line:
		return ports.WriteLine(w, r, at)
	}
	var b strings.Builder // wrapped within 100 columns like every text report
	if err := ports.WriteText(&b, r); err != nil {
		return err
	}
	_, err := io.WriteString(w, report.Fit(b.String(), report.TextWidth))
	return err
}
