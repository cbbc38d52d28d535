package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/report"
	"github.com/portlab/portlab/scenarios"
)

// Lab is a scenario's outcome: one result per run, in the scenario's order.
// Results of runs that could not complete are missing from Results and
// explained in Failures.
type Lab struct {
	Scenario *scenarios.Scenario
	Topology scenarios.Topology
	Results  []*report.Result
	Failures []string
	// Skipped lists runs that do not apply to the topology, with why.
	Skipped []string
}

// Options are how Execute runs a scenario.
type Options struct {
	Topology scenarios.Topology // "" is Loopback
	Stderr   io.Writer          // the children's stderr; nil discards it
	// ChildExecutable is the program started as the sandbox child; empty
	// means this executable. Tests point it at a build without the race
	// detector, so that sandbox measurements run at the speed users see.
	ChildExecutable string
	// Progress, when set, is told of each run's start, figures while it
	// goes on and end (see Progress); calls come one at a time.
	Progress func(Progress)
}

// ErrNoSandbox wraps the reason a private network namespace is not
// available here.
var ErrNoSandbox = errors.New("the sandbox needs private network namespaces")

// Execute runs every run of sc, each in a fresh private network namespace,
// one after the other. Cancelling ctx interrupts the current run, whose
// partial result is kept, and skips the rest; Execute then returns the lab
// so far with ctx's error.
func Execute(ctx context.Context, sc *scenarios.Scenario, opts Options) (*Lab, error) {
	if err := netns.Available(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoSandbox, err)
	}
	// A scenario about a topology (nat) runs there unless another one
	// than the default was asked for.
	if sc.Topology != "" && (opts.Topology == "" || opts.Topology == scenarios.Loopback) {
		opts.Topology = sc.Topology
	}
	if opts.Topology == "" {
		opts.Topology = scenarios.Loopback
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	lab := &Lab{Scenario: sc, Topology: opts.Topology}
	for i := range sc.Runs {
		r := &sc.Runs[i]
		if ctx.Err() != nil {
			return lab, ctx.Err()
		}
		need := r.Topology
		if need == "" {
			need = sc.Topology // a scenario about nat means nothing elsewhere
		}
		if need != "" && need != opts.Topology {
			lab.Skipped = append(lab.Skipped, fmt.Sprintf("%s: only meaningful in the %s topology", r.Name, need))
			continue
		}
		res, err := executeRun(ctx, sc, r, opts)
		opts.ended(sc, r, res)
		if res != nil {
			if res.Label == "" {
				res.Label = r.Name
			}
			lab.Results = append(lab.Results, res)
		}
		if err != nil {
			if ctx.Err() != nil {
				return lab, ctx.Err()
			}
			lab.Failures = append(lab.Failures, fmt.Sprintf("%s: %v", r.Name, err))
		}
	}
	return lab, nil
}

func executeRun(ctx context.Context, sc *scenarios.Scenario, r *scenarios.Run, opts Options) (*report.Result, error) {
	spec := childSpec{
		Sysctls: sc.SysctlsFor(r), Addresses: sc.Addresses,
		Server: r.Server, Load: r.Load, ListenProbe: r.ListenProbe,
		Topology: opts.Topology, Destinations: r.Destinations, Link: r.Link,
		GOMAXPROCS: sc.GOMAXPROCS,
	}
	if opts.Topology == scenarios.NAT {
		spec.Gateway = &r.Gateway
	}
	// On cancel the child gets SIGINT, not SIGKILL, so it writes its
	// partial result; Pdeathsig still reaps it if this process dies.
	cmd := netns.Command(ctx, ChildArg)
	cmd.Args[0] = "portlab" // lets a test binary standing in for portlab dispatch
	if opts.ChildExecutable != "" {
		cmd.Path = opts.ChildExecutable
	}
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	defer watchProgress(cmd, sc, r, opts)()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := startChild(cmd, &spec)
	if runErr == nil {
		runErr = cmd.Wait()
	}
	if errOut.Len() > 0 {
		opts.Stderr.Write(errOut.Bytes())
	}
	if out.Len() == 0 {
		msg := strings.TrimSpace(errOut.String())
		if msg == "" && runErr != nil {
			msg = runErr.Error()
		}
		return nil, fmt.Errorf("sandbox run failed: %s", msg)
	}
	res, err := report.Unmarshal(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("sandbox run: %w", err)
	}
	for _, e := range r.Expect {
		res.Expectations = append(res.Expectations, e.Evaluate(res))
	}
	// The result says whether the child was interrupted; its exit status
	// is the command's business.
	if res.Interrupted {
		return res, context.Canceled
	}
	return res, nil
}

// startChild starts the sandbox child and sends it spec on its stdin with
// the namespace the kernel made for it: the child runs only there (see
// ChildMain).
func startChild(cmd *exec.Cmd, spec *childSpec) error {
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	spec.Netns, err = netns.Of(cmd.Process.Pid)
	if err == nil {
		err = json.NewEncoder(stdin).Encode(spec)
	}
	if cerr := stdin.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return fmt.Errorf("sandbox child: %w", err)
	}
	return nil
}

// HasExpectations reports whether any run carried expectations.
func (lab *Lab) HasExpectations() bool {
	for _, r := range lab.Results {
		if len(r.Expectations) > 0 {
			return true
		}
	}
	return false
}

// Failed lists the expectations that did not hold, as "run: path want".
func (lab *Lab) Failed() []string {
	var out []string
	for _, r := range lab.Results {
		for _, e := range r.Expectations {
			if !e.Pass {
				out = append(out, fmt.Sprintf("%s: %s %s (got %g%s)", r.Label, e.Path, e.Want, e.Value, why(e.Why)))
			}
		}
	}
	return out
}

func why(s string) string {
	if s == "" {
		return ""
	}
	return "; " + s
}
