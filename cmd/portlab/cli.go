package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/portlab/portlab/internal/suggest"
	"github.com/portlab/portlab/scenarios/sandbox"
	"github.com/spf13/pflag"
)

// Exit codes.
const (
	exitOK          = 0
	exitFailure     = 1   // a runtime failure: cannot listen, target unreachable
	exitUsage       = 2   // invalid flags or configuration
	exitFailIf      = 3   // a --fail-if condition or a scenario expectation did not hold
	exitInterrupted = 130 // stopped by SIGINT/SIGTERM; partial results were written
)

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
	// graceful commands save what they have when ctx ends; the others
	// are abandoned at the first signal (see abandonOnSignal).
	graceful bool
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"echo":      {"run an echo server (TCP, HTTP or UDP)", cmdEcho, true},
		"load":      {"send load to an echo server and measure it", cmdLoad, true},
		"run":       {"reproduce port exhaustion in private network namespaces and explain it", cmdRun, true},
		"ports":     {"inspect this host's ephemeral ports, read-only", cmdPorts, true},
		"report":    {"compare results side by side, merge them, gate on --fail-if", cmdReport, false},
		"scenarios": {"list the built-in scenarios, or show one as YAML", cmdScenarios, false},
		"version":   {"print the version", cmdVersion, false},
		"lab":       {"check a LABS.md exercise: what is done, what is missing", cmdLab, false},
	}
	// Hidden (no summary): the sandbox re-executes portlab with it.
	commands[sandbox.ChildArg] = command{"", cmdSandbox, true}
}

// run is the whole CLI: it owns the process's only signal handler.
func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContext(ctx, args, stdout, stderr)
}

func runContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" {
		args = append([]string{"version"}, args[1:]...)
	}
	cmd, ok := commands[args[0]]
	if !ok {
		hint := ""
		if best := suggest.Closest(strings.TrimLeft(args[0], "-"), visibleCommands()); best != "" {
			hint = ", did you mean " + best + "?"
		}
		fmt.Fprintf(stderr, "portlab: unknown command %q%s\n\n", args[0], hint)
		usage(stderr)
		return exitUsage
	}
	if !cmd.graceful {
		return abandonOnSignal(ctx, args[0], cmd.run, args[1:], stdout, stderr)
	}
	return cmd.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, "portlab reproduces and measures ephemeral-port exhaustion (EADDRNOTAVAIL).\n\nUsage: portlab COMMAND [flags]\n\nCommands:\n")
	for _, n := range visibleCommands() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, "\nRun 'portlab COMMAND --help' for a command's flags and examples.\n")
}

// visibleCommands lists the commands usage shows, sorted.
func visibleCommands() []string {
	names := make([]string, 0, len(commands))
	for n, c := range commands {
		if c.summary != "" { // hidden commands have none
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name, synopsis string, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	fs.Usage = func() { writeUsage(stderr, fs, synopsis) }
	return fs
}

// parse parses args; done is true when the command must return code at once
// (help was asked for, or the flags were bad).
func parse(fs *pflag.FlagSet, args []string, stderr io.Writer) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, pflag.ErrHelp):
		return exitOK, true
	case err != nil:
		fmt.Fprintf(stderr, "portlab %s: %v%s\n", fs.Name(), err, unknownFlagHint(fs, err))
		return exitUsage, true
	}
	return 0, false
}

// usageError prints a configuration error and returns the usage exit code.
func usageError(stderr io.Writer, cmd string, err error) int {
	fmt.Fprintf(stderr, "portlab %s: %v\n", cmd, err)
	return exitUsage
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func cmdVersion(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "version", stderr)
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "version", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	fmt.Fprintf(stdout, "portlab %s\n", version)
	return exitOK
}

// checkOutFile makes sure, before any load is sent, that a result can be
// written to path: path is not a directory nor a special file, and its
// directory exists and takes a new file. Otherwise the whole run would be
// measured only to be lost at the end.
func checkOutFile(path string) error {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		what := "a directory"
		if !fi.IsDir() {
			what = "not a regular file"
		}
		return fmt.Errorf("out: %s is %s; give a file name", path, what)
	}
	return checkOutDir(filepath.Dir(path))
}

// checkOutDir makes sure a new file can be created in dir: it creates one
// and removes it again.
func checkOutDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("out: directory %s does not exist", dir)
	case err == nil && !fi.IsDir():
		return fmt.Errorf("out: %s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, ".portlab-probe-*")
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("out: cannot create a file in %s: %v", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
