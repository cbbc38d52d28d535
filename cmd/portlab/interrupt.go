package main

import (
	"context"
	"fmt"
	"io"
	"sync"
)

// How a command meets SIGINT/SIGTERM. run's handler turns the first signal
// into the end of ctx, and then:
//
//   - load, echo, run, ports and the sandbox child are graceful: they have
//     something to save (a partial result, a drain, a last sample), watch
//     ctx themselves and exit 130 once it is saved;
//   - every other command (report, report merge, lab, scenarios, version)
//     is abandoned at once and the process exits 130. They only read files
//     and print, and much of their time is spent where no context reaches
//     (decoding a 64 MiB result, labcheck's criteria, a YAML parse), so
//     checks of ctx in their loops would leave seconds uninterruptible.
//     Nothing is lost: their output is all or nothing, and it goes through
//     commit, so an interruption never leaves half a file behind.

// outputGate orders an abandoned command's one output with its
// interruption: the output is written whole before the interruption, or
// never.
type outputGate struct {
	mu     sync.Mutex
	closed bool
}

type gateKey struct{}

// abandonOnSignal runs cmd until it returns or ctx ends; in the latter case
// it waits only for an output being committed, then returns exitInterrupted
// and leaves cmd to the process's exit.
func abandonOnSignal(ctx context.Context, name string, cmd func(context.Context, []string, io.Writer, io.Writer) int,
	args []string, stdout, stderr io.Writer) int {
	g := &outputGate{}
	ctx = context.WithValue(ctx, gateKey{}, g)
	done := make(chan int, 1)
	go func() { done <- cmd(ctx, args, stdout, stderr) }()
	select {
	case code := <-done:
		return code
	case <-ctx.Done():
	}
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	fmt.Fprintf(stderr, "portlab %s: interrupted\n", name)
	return exitInterrupted
}

// commit writes a command's output unless the command was interrupted
// (then it returns ctx's error and writes nothing). An interruption waits
// for a write under way, so an output file is whole or absent.
func commit(ctx context.Context, write func() error) error {
	g, _ := ctx.Value(gateKey{}).(*outputGate)
	if g == nil {
		return write()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return write()
}

// await runs f, a step that takes no context (a scenario file's parse),
// and returns ctx's error as soon as ctx ends: f is then abandoned to the
// process's exit.
func await[T any](ctx context.Context, f func() (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, context.Cause(ctx)
	}
}
