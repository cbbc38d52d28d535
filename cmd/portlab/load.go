package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

func cmdLoad(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("load", "load --target HOST:PORT [flags]", stderr)
	cfg := loadgen.DefaultConfig()
	var mode string
	fs.StringVar(&cfg.Target, "target", "", "echo server to load, HOST:PORT (required)")
	fs.StringVar(&mode, "mode", string(cfg.Mode), "connection strategy: new (one per request), pool, keepalive")
	fs.IntVar(&cfg.PoolSize, "pool-size", 0, "connections in the shared pool (--mode pool; 0 = concurrency)")
	fs.IntVar(&cfg.RequestsPerConn, "requests-per-conn", 0, "requests per connection before reconnecting (--mode keepalive; 0 = unlimited)")
	fs.IntVarP(&cfg.Concurrency, "concurrency", "c", cfg.Concurrency, "workers (closed loop) or most requests in flight (open loop)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "open loop: requests per second from one global pacer, latency from the intended send time (0 = closed loop)")
	fs.DurationVarP(&cfg.Duration, "duration", "d", cfg.Duration, "stop after this long")
	fs.Int64VarP(&cfg.Requests, "requests", "n", 0, "stop after this many requests (0 = duration only)")
	fs.IntVar(&cfg.Payload, "payload", cfg.Payload, "request size in bytes; the server echoes it back")
	fs.DurationVar(&cfg.ConnectTimeout, "connect-timeout", cfg.ConnectTimeout, "connect timeout")
	fs.DurationVar(&cfg.Timeout, "timeout", cfg.Timeout, "per-request timeout (write and full echo)")
	fs.BoolVar(&cfg.ReuseAddr, "reuseaddr", false, "set SO_REUSEADDR on client sockets")
	fs.IntVar(&cfg.Linger, "linger", cfg.Linger, "SO_LINGER seconds on client sockets: 0 = close sends RST (no TIME_WAIT), -1 = kernel default")
	fs.BoolVar(&cfg.BindNoPort, "bind-no-port", false, "set IP_BIND_ADDRESS_NO_PORT (with --source-ips: the port is chosen at connect, per 4-tuple)")
	fs.StringSliceVar(&cfg.SourceIPs, "source-ips", nil, "bind connections to these source addresses in turn (each has its own port space)")
	fs.BoolVar(&cfg.AwaitServerClose, "await-close", false, "--mode new: read to the server's EOF before closing, so a server that closes first (echo --close server) keeps the TIME_WAIT")
	fs.DurationVar(&cfg.Interval, "interval", cfg.Interval, "timeline interval")
	fs.BoolVar(&cfg.SustainExhaustion, "sustain-exhaustion", false, "in the host's own network namespace, keep going after the first EADDRNOTAVAIL (drains this host's ports!)")
	fs.StringVar(&cfg.Label, "label", "", "name of this run in reports")
	quiet := fs.BoolP("quiet", "q", false, "no live progress on stderr")
	out := fs.StringP("out", "o", "", "write the result JSON to this file (atomically)")
	asJSON := fs.Bool("json", false, "print the result JSON on stdout instead of the summary")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "load", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	cfg.Mode = loadgen.Mode(mode)
	if err := cfg.Validate(); err != nil {
		return usageError(stderr, "load", err)
	}
	if !*quiet && isTerminal(stderr) {
		cfg.Progress = stderr
	}

	res, err := loadgen.Run(ctx, cfg)
	if res == nil {
		fmt.Fprintf(stderr, "portlab load: %v\n", err)
		return exitFailure
	}
	code := exitOK
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			fmt.Fprintf(stderr, "portlab load: %v\n", err)
		}
		code = exitInterrupted
	}
	if *out != "" {
		if werr := report.WriteFile(*out, res); werr != nil {
			fmt.Fprintf(stderr, "portlab load: write %s: %v\n", *out, werr)
			return exitFailure
		}
	}
	if *asJSON {
		err = report.WriteJSON(stdout, res)
	} else {
		err = report.WriteText(stdout, res)
	}
	if err != nil {
		fmt.Fprintf(stderr, "portlab load: %v\n", err)
		return exitFailure
	}
	return code
}
