package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios/labreport"
)

// reportFormats are the formats of portlab report, by --format value.
var reportFormats = map[string]func(*report.Comparison, io.Writer) error{
	"text":     (*report.Comparison).WriteText,
	"markdown": (*report.Comparison).WriteMarkdown,
	"json":     (*report.Comparison).WriteJSON,
	"html":     (*report.Comparison).WriteHTML,
}

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return cmdReportMerge(ctx, args[1:], stdout, stderr)
	}
	fs := newFlagSet("report", "report RESULT.json... [flags]\n"+
		"       portlab report merge RESULT.json... [-o MERGED.json]\n\n"+
		"Compares runs side by side, each figure beside its change against the baseline.\n"+
		"'report merge' adds up results of clients that ran at the same time into one result.\n\n"+
		"--fail-if PATH OP NUMBER reads the result JSON's keys: totals.requests_ok,\n"+
		"totals.requests_incomplete, totals.requests_unsent, errors.CLASS (0 if it never happened),\n"+
		"status.CODE (HTTP responses with that code), onset.CLASS.at_s, throughput.requests_per_s,\n"+
		"elapsed_s, latency.{connect,round_trip,total}.{count,min_us,mean_us,p50_us,p90_us,p99_us,\n"+
		"p999_us,max_us};\n"+
		"OP is one of > >= < <= == !=. NUMBER may be FACTOR*prediction.FIELD, a figure of the\n"+
		"run's own prediction, as in a scenario's expect entries. An unknown path, class or code\n"+
		"exits 2; a condition that holds exits 3.", stderr)
	format := fs.String("format", "text", "text, markdown, json or html (one self-contained page with charts)")
	out := fs.StringP("out", "o", "", "write the report to this file (atomically) instead of stdout")
	baseline := fs.String("baseline", "", "the run to compare against: an input's file or label, or another result file (default: the first input)")
	failIf := fs.StringArray("fail-if", nil, "exit 3 when any run meets this condition, e.g. 'errors.EADDRNOTAVAIL>0' or 'latency.total.p99_us>5000' (repeatable)")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	write, ok := reportFormats[*format]
	if !ok {
		return usageError(stderr, "report", fmt.Errorf("format: must be text, markdown, json or html, got %q", *format))
	}
	conds, err := parseConditions(*failIf)
	if err != nil {
		return usageError(stderr, "report", err)
	}
	if err := checkInputsAndOut(fs.NArg(), "one or more RESULT.json", *out); err != nil {
		return usageError(stderr, "report", err)
	}
	runs, err := readResults(ctx, fs.Args())
	if err != nil {
		return inputFailure(stderr, "report", err)
	}
	base := 0
	if *baseline != "" {
		var code int
		if runs, base, code = resolveBaseline(*baseline, fs.Args(), runs, stderr); code != exitOK {
			return code
		}
	}
	cmp, err := report.Compare(runs, base)
	if err != nil {
		return failure(stderr, "report", err)
	}
	cmp.Diagnosis = labreport.DiagnoseResults(runs)
	var buf bytes.Buffer
	if err := write(cmp, &buf); err != nil {
		return failure(stderr, "report", err)
	}
	if code := writeOutput(ctx, *out, buf.Bytes(), stdout, stderr, "report"); code != exitOK {
		return code
	}
	return checkFailIf(conds, runs, stderr, "report")
}

func cmdReportMerge(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("report merge", "report merge RESULT.json... [-o MERGED.json]\n\n"+
		"Merges the results of clients that loaded at the same time: histograms added exactly,\n"+
		"counts summed, onsets and timelines aligned by wall clock. Without -o the merged\n"+
		"result JSON goes to stdout.", stderr)
	out := fs.StringP("out", "o", "", "write the merged result JSON to this file (atomically) and print its summary")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if err := checkInputsAndOut(fs.NArg(), "the RESULT.json of every client", *out); err != nil {
		return usageError(stderr, "report merge", err)
	}
	if err := distinctFiles(fs.Args()); err != nil {
		return usageError(stderr, "report merge", err)
	}
	runs, err := readResults(ctx, fs.Args())
	if err != nil {
		return inputFailure(stderr, "report merge", err)
	}
	merged, err := report.Merge(runs...)
	if err != nil {
		var ie *report.InputError
		if errors.As(err, &ie) && ie.Input > 0 && ie.Input <= fs.NArg() {
			ie.File = fs.Arg(ie.Input - 1)
		}
		return inputFailure(stderr, "report merge", err)
	}
	err = commit(ctx, func() error {
		if *out == "" {
			return report.WriteJSON(stdout, merged)
		}
		if err := report.WriteFile(*out, merged); err != nil {
			return err
		}
		return report.WriteText(stdout, merged)
	})
	if err != nil {
		return failure(stderr, "report merge", err)
	}
	return exitOK
}

// checkInputsAndOut checks, before any input is read, that there are
// inputs (want says which) and that out, if given, can be written.
func checkInputsAndOut(inputs int, want, out string) error {
	if inputs == 0 {
		return fmt.Errorf("no result files: give %s", want)
	}
	if out == "" {
		return nil
	}
	return checkOutFile(out)
}

// distinctFiles refuses a file given twice, by its name or through a
// symlink: a merge would count that client twice.
func distinctFiles(paths []string) error {
	seen := make(map[string]int, len(paths))
	for i, p := range paths {
		key, err := filepath.EvalSymlinks(p)
		if err != nil {
			continue // reading it will say what is wrong
		}
		if key, err = filepath.Abs(key); err != nil {
			continue
		}
		if j, dup := seen[key]; dup {
			return fmt.Errorf("%s is given twice (inputs %d and %d): a merge would count that client twice", p, j+1, i+1)
		}
		seen[key] = i
	}
	return nil
}

// parseConditions parses --fail-if expressions; the error names the flag.
func parseConditions(exprs []string) ([]report.Condition, error) {
	conds := make([]report.Condition, 0, len(exprs))
	for _, e := range exprs {
		c, err := report.ParseCondition(e)
		if err != nil {
			return nil, fmt.Errorf("fail-if: %w", err)
		}
		conds = append(conds, c)
	}
	return conds, nil
}

// checkFailIf reports every condition that held and returns exitFailIf if
// one did.
func checkFailIf(conds []report.Condition, runs []*report.Result, stderr io.Writer, cmd string) int {
	msgs := report.FailIf(conds, runs...)
	for _, m := range msgs {
		fmt.Fprintf(stderr, "portlab %s: fail-if: %s\n", cmd, m)
	}
	if len(msgs) > 0 {
		return exitFailIf
	}
	return exitOK
}

// inputFailure prints an error about the input files: exit 2 when they
// are at fault (a malformed, special or missing file, or results that do
// not merge), 130 when interrupted, else 1.
func inputFailure(stderr io.Writer, cmd string, err error) int {
	var ie *report.InputError
	switch {
	case errors.As(err, &ie):
		return usageError(stderr, cmd, err)
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "portlab %s: interrupted\n", cmd)
		return exitInterrupted
	}
	return failure(stderr, cmd, err)
}

// readResults reads result files; a run without a label is named after its
// file. It stops between files once ctx is done.
func readResults(ctx context.Context, paths []string) ([]*report.Result, error) {
	runs := make([]*report.Result, 0, len(paths))
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		r, err := report.ReadFile(p)
		if err != nil {
			return nil, err
		}
		if r.Label == "" {
			r.Label = strings.TrimSuffix(filepath.Base(p), ".json")
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// resolveBaseline finds --baseline among the inputs, by file or label, or
// reads it as one more run placed first.
func resolveBaseline(baseline string, paths []string, runs []*report.Result, stderr io.Writer) ([]*report.Result, int, int) {
	st, statErr := os.Stat(baseline)
	for i, p := range paths {
		if filepath.Clean(p) == filepath.Clean(baseline) {
			return runs, i, exitOK
		}
		if pst, err := os.Stat(p); err == nil && statErr == nil && os.SameFile(st, pst) {
			return runs, i, exitOK
		}
	}
	if i := slices.IndexFunc(runs, func(r *report.Result) bool { return r.Label == baseline }); i >= 0 && statErr != nil {
		return runs, i, exitOK
	}
	if statErr != nil {
		return nil, 0, usageError(stderr, "report", fmt.Errorf("baseline: %q is neither an input's file or label nor a result file", baseline))
	}
	extra, err := readResults(context.Background(), []string{baseline})
	if err != nil {
		return nil, 0, inputFailure(stderr, "report", fmt.Errorf("baseline: %w", err))
	}
	return append(extra, runs...), 0, exitOK
}

// writeOutput writes data to path atomically, or to stdout when path is
// empty; nothing once ctx has ended.
func writeOutput(ctx context.Context, path string, data []byte, stdout, stderr io.Writer, cmd string) int {
	err := commit(ctx, func() error {
		if path == "" {
			_, err := stdout.Write(data)
			return err
		}
		return report.WriteFileAtomic(path, data)
	})
	if err != nil {
		return failure(stderr, cmd, err)
	}
	return exitOK
}

// failure prints a runtime error and returns the failure exit code, or
// the interrupted one when ctx's end stopped the command.
func failure(stderr io.Writer, cmd string, err error) int {
	if errors.Is(err, context.Canceled) {
		return exitInterrupted // abandonOnSignal has said so
	}
	fmt.Fprintf(stderr, "portlab %s: %v\n", cmd, err)
	return exitFailure
}
