package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/portlab/portlab/internal/ports"
)

func cmdPorts(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("ports", "ports [--json] [--watch DURATION]\n\nInspects this host's ephemeral ports, read-only: range, reserved ports, socket states,\nports held per destination (ok / warn >= 60% / crit >= 80%), listeners inside the range.", stderr)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	watch := fs.Duration("watch", 0, "sample twice this far apart and forecast time to exhaustion per destination")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "ports", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if *watch < 0 || (*watch > 0 && *watch < 100*time.Millisecond) {
		return usageError(stderr, "ports", fmt.Errorf("watch: must be >= 100ms, got %s", *watch))
	}
	var r *ports.Report
	var err error
	if *watch > 0 {
		r, err = ports.Watch(ctx, *watch)
	} else {
		r, err = ports.Inspect()
	}
	if r == nil {
		fmt.Fprintf(stderr, "portlab ports: %v\n", err)
		return exitFailure
	}
	code := exitOK
	if err != nil && errors.Is(err, context.Canceled) {
		code = exitInterrupted
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		err = ports.WriteText(stdout, r)
	}
	if err != nil {
		fmt.Fprintf(stderr, "portlab ports: %v\n", err)
		return exitFailure
	}
	return code
}
