package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/portlab/portlab/labcheck"
)

func cmdLab(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("lab", labSynopsis(), stderr)
	results := fs.String("results", ".", "directory of the result files written with 'portlab load --out FILE' or 'portlab run --out DIR'; every *.json there that is a portlab result is read")
	asJSON := fs.Bool("json", false, "print the verdict as JSON")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	switch {
	case fs.NArg() == 0 || fs.Arg(0) != "check":
		return usageError(stderr, "lab", fmt.Errorf("want 'portlab lab check N' to check exercise N of LABS.md, got %q",
			strings.Join(fs.Args(), " ")))
	case fs.NArg() == 1:
		fmt.Fprintf(stderr, "portlab lab check: which exercise? Give its number: portlab lab check N\n\n%s\n", exerciseList())
		return exitUsage
	case fs.NArg() > 2:
		return usageError(stderr, "lab", fmt.Errorf("unexpected argument %q after the exercise", fs.Arg(2)))
	}
	n, err := strconv.Atoi(fs.Arg(1))
	if err != nil || labcheck.Title(n) == "" {
		return usageError(stderr, "lab", fmt.Errorf("exercise: must be a number from 1 to %d, got %q", labcheck.Exercises, fs.Arg(1)))
	}
	v, err := labcheck.Check(n, *results)
	if err != nil {
		return usageError(stderr, "lab", fmt.Errorf("results: %v", err))
	}
	err = commit(ctx, func() error {
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		}
		return v.WriteText(stdout)
	})
	if err != nil {
		return failure(stderr, "lab", err)
	}
	if !v.Done {
		return exitFailure
	}
	return exitOK
}

func labSynopsis() string {
	var b strings.Builder
	b.WriteString("lab check N [--results DIR] [--json]\n\n")
	b.WriteString("Checks exercise N of LABS.md: prints one line per criterion, \"ok\" or \"missing\"\n")
	b.WriteString("with the command to type, then a verdict. It only reads: this machine's\n")
	b.WriteString("sysctls and sockets, and the results in --results.\n\n")
	b.WriteString("Exit status: 0 when every criterion is met; 1 when one is missing (not yet:\n")
	b.WriteString("do what it says and check again); 2 for a bad N or flag, or a malformed\n")
	b.WriteString("result in --results.\n\n")
	b.WriteString(exerciseList())
	return b.String()
}

// exerciseList lists LABS.md's exercises by number.
func exerciseList() string {
	var b strings.Builder
	b.WriteString("Exercises:")
	for n := 1; n <= labcheck.Exercises; n++ {
		fmt.Fprintf(&b, "\n  %2d  %s", n, labcheck.Title(n))
	}
	return b.String()
}
