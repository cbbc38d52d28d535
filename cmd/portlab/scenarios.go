package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/portlab/portlab/scenarios"
)

func cmdScenarios(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("scenarios", "scenarios [show NAME]\n\nLists the built-in scenarios; 'show NAME' prints one as YAML to copy and edit,\nthen run it with 'portlab run FILE.yaml'.", stderr)
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	switch {
	case fs.NArg() == 0:
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		for _, n := range scenarios.Names() {
			sc, err := scenarios.Builtin(n)
			if err != nil {
				fmt.Fprintf(stderr, "portlab scenarios: %v\n", err)
				return exitFailure
			}
			fmt.Fprintf(tw, "%s\t%s\n", n, sc.Description)
		}
		tw.Flush()
		return exitOK
	case fs.Arg(0) == "show" && fs.NArg() == 2:
		src, err := scenarios.BuiltinSource(fs.Arg(1))
		if err != nil {
			return usageError(stderr, "scenarios", err)
		}
		stdout.Write(src)
		return exitOK
	}
	return usageError(stderr, "scenarios", fmt.Errorf("usage: portlab scenarios [show NAME]"))
}
