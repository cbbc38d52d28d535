package main

import (
	"context"
	"fmt"
	"io"

	"github.com/portlab/portlab/internal/suggest"
	"github.com/portlab/portlab/scenarios"
)

func cmdScenarios(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("scenarios", "scenarios [show NAME]\n\nLists the built-in scenarios; 'show NAME' prints one as YAML to copy and edit,\nthen run it with 'portlab run FILE.yaml'.", stderr)
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	switch {
	case fs.NArg() == 0:
		if err := scenarioList(stdout, ""); err != nil {
			fmt.Fprintf(stderr, "portlab scenarios: %v\n", err)
			return exitFailure
		}
		return exitOK
	case fs.Arg(0) == "show" && fs.NArg() == 2:
		src, err := scenarios.BuiltinSource(fs.Arg(1))
		if err != nil {
			return usageError(stderr, "scenarios", unknownScenario(fs.Arg(1), err))
		}
		stdout.Write(src)
		return exitOK
	}
	return usageError(stderr, "scenarios", fmt.Errorf("usage: portlab scenarios [show NAME]"))
}

// unknownScenario adds "did you mean" to err, the error for a built-in
// scenario name that does not exist.
func unknownScenario(name string, err error) error {
	if best := suggest.Closest(name, scenarios.Names()); best != "" {
		return fmt.Errorf("no built-in scenario %q, did you mean %s? ('portlab scenarios' lists them)", name, best)
	}
	return err
}
