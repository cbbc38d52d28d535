package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
	"github.com/portlab/portlab/scenarios/labreport"
	"github.com/portlab/portlab/scenarios/sandbox"
)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", "", stderr)
	fs.Usage = func() { writeUsage(stderr, fs, runSynopsis()) }
	outDir := fs.StringP("out", "o", "", "write each run's result JSON and the report (text, Markdown, JSON, HTML) to this directory")
	topo := fs.String("topology", string(scenarios.Loopback), "loopback (client and server in one namespace), two-hosts (two namespaces joined by a veth pair, each with its own TIME_WAIT table) or nat (client hosts behind a source-NAT gateway namespace, the server beyond it); a scenario about nat runs there unless another is given")
	failIf := fs.StringArray("fail-if", nil, "exit 3 if any run meets this condition, e.g. 'errors.EADDRNOTAVAIL>0' (repeatable)")
	wide := fs.Bool("wide", false, "print the runs in one wide table and no line wrapped, not within 100 columns")
	set := fs.StringArray("set", nil, "set a knob in every run, over the scenario file: load.KEY=VALUE (the load flags with _ for -, "+
		"e.g. load.duration=5s), server.KEY=VALUE (the echo flags), sandbox.SYSCTL=VALUE (repeatable)")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	settings, err := parseSettings(*set)
	if err != nil {
		return usageError(stderr, "run", err)
	}
	conds, err := parseConditions(*failIf)
	if err != nil {
		return usageError(stderr, "run", err)
	}
	topology, err := scenarios.ParseTopology(*topo)
	if err != nil {
		return usageError(stderr, "run", err)
	}
	names := fs.Args()
	if len(names) == 0 {
		names = []string{scenarios.Default}
	}
	var list []*scenarios.Scenario
	for _, n := range names {
		// A parse takes no context: a signal abandons it.
		sc, err := await(ctx, func() (*scenarios.Scenario, error) { return loadScenario(n, settings) })
		if errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "portlab run: interrupted while reading %s\n", n)
			return exitInterrupted
		}
		if err != nil {
			return usageError(stderr, "run", err)
		}
		list = append(list, sc)
	}
	if *outDir != "" {
		// Before any run: a report that cannot be written is lost.
		if err := os.MkdirAll(*outDir, 0o755); err != nil {
			return usageError(stderr, "run", fmt.Errorf("out: %w", err))
		}
		if err := checkOutDir(*outDir); err != nil {
			return usageError(stderr, "run", err)
		}
	}
	opts := sandbox.Options{Topology: topology, Stderr: stderr, ChildExecutable: sandboxChild}
	code := exitOK
	for _, sc := range list {
		c, stop := runScenario(ctx, sc, opts, conds, runOutput{*outDir, *wide}, stdout, stderr)
		if code == exitOK || stop {
			code = c
		}
		if stop {
			break
		}
	}
	return code
}

// runSynopsis is run's help: what it does and the built-in scenarios, one
// per line with its purpose.
func runSynopsis() string {
	var b strings.Builder
	b.WriteString("run [SCENARIO|FILE.yaml...] [flags]\n\nRuns scenarios in private network namespaces (default: " + scenarios.Default + ")\n")
	b.WriteString("and explains what exhausted the ports. Built-in scenarios:\n\n")
	if err := scenarioList(&b, "  "); err != nil {
		fmt.Fprintf(&b, "  (cannot list them: %v)\n", err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// runOutput is where run writes each lab's report (dir, "" for nowhere
// but stdout) and how wide its text is.
type runOutput struct {
	dir  string
	wide bool
}

// runScenario runs one scenario, prints its lab report and writes it under
// out.dir; stop says that no further scenario may run (interrupted, no
// sandbox, the report could not be written).
func runScenario(ctx context.Context, sc *scenarios.Scenario, opts sandbox.Options, conds []report.Condition,
	out runOutput, stdout, stderr io.Writer) (code int, stop bool) {
	fmt.Fprint(stderr, report.Fit(firstLine(sc, opts.Topology)+"\n", 100))
	progress := &runProgress{w: stderr, live: isTerminal(stderr)}
	opts.Progress = progress.show
	lab, err := sandbox.Execute(ctx, sc, opts)
	if errors.Is(err, sandbox.ErrNoSandbox) {
		fmt.Fprintf(stderr, "portlab run: %v\n", err)
		fmt.Fprintln(stderr, "Fallback: run 'portlab echo' and 'portlab load --target HOST:PORT' against a host you choose;")
		fmt.Fprintln(stderr, "in the host's own namespace the load stops at the first EADDRNOTAVAIL (leave --sustain-exhaustion off).")
		return exitFailure, true
	}
	code = exitOK
	if err != nil {
		code = exitInterrupted
	}
	if lab == nil {
		return code, code == exitInterrupted
	}
	if len(lab.Failures) > 0 && code == exitOK {
		code = exitFailure
	}
	if c := checkFailIf(conds, lab.Results, stderr, "run"); c != exitOK && code == exitOK {
		code = c
	}
	if failed := lab.Failed(); len(failed) > 0 && code == exitOK {
		for _, f := range failed {
			fmt.Fprintf(stderr, "portlab run: expectation failed: %s\n", f)
		}
		code = exitFailIf
	}
	var buf bytes.Buffer
	if out.wide {
		labreport.WriteWide(&buf, lab)
	} else {
		labreport.Write(&buf, lab)
	}
	stdout.Write(buf.Bytes())
	if out.dir != "" {
		if werr := writeLab(out.dir, lab, buf.Bytes()); werr != nil {
			fmt.Fprintf(stderr, "portlab run: %v\n", werr)
			return exitFailure, true
		}
	}
	return code, code == exitInterrupted
}

// writeLab writes one result JSON per run, the printed lab report, and the
// runs' comparison in Markdown, JSON and HTML.
func writeLab(dir string, lab *sandbox.Lab, text []byte) error {
	base := filepath.Join(dir, lab.Scenario.Name)
	for _, r := range lab.Results {
		if err := report.WriteFile(fmt.Sprintf("%s-%s.json", base, r.Label), r); err != nil {
			return err
		}
	}
	if err := report.WriteFileAtomic(base+"-report.txt", text); err != nil {
		return err
	}
	if len(lab.Results) == 0 {
		return nil
	}
	cmp, err := labreport.Compare(lab)
	if err != nil {
		return err
	}
	for ext, write := range map[string]func(io.Writer) error{
		".md": cmp.WriteMarkdown, report.CompareSuffix: cmp.WriteJSON, ".html": cmp.WriteHTML,
	} {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			return err
		}
		if err := report.WriteFileAtomic(base+"-report"+ext, buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// sandboxChild is the program portlab run starts as the sandbox child; ""
// is this one. Only tests set it, to a build without the race detector.
var sandboxChild string

// cmdSandbox is the child side of portlab run, inside its namespace.
func cmdSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := sandbox.ChildMain(ctx, os.Stdin, stdout, loadgen.WithVersion(version))
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, sandbox.ErrInterrupted):
		return exitInterrupted // the partial result is written
	case errors.Is(err, sandbox.ErrOutsideSandbox):
		fmt.Fprintf(stderr, "portlab: %v\n", err)
	default:
		fmt.Fprintf(stderr, "portlab sandbox: %v\n", err)
	}
	return exitFailure
}

// loadScenario takes a built-in name or a path to a scenario file, and
// applies the --set settings to it.
func loadScenario(arg string, sets []setting) (*scenarios.Scenario, error) {
	if strings.HasSuffix(arg, ".yaml") || strings.HasSuffix(arg, ".yml") || strings.ContainsRune(arg, os.PathSeparator) {
		data, err := scenarios.ReadFile(arg)
		if err != nil {
			return nil, err
		}
		return withSettings(arg, data, sets)
	}
	data, err := scenarios.BuiltinSource(arg)
	if err != nil {
		return nil, unknownScenario(arg, err)
	}
	return withSettings("builtin/"+arg+".yaml", data, sets)
}
