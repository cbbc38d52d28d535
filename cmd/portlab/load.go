package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

func cmdLoad(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("load", "load --target HOST:PORT [flags]", stderr)
	cfg := loadgen.DefaultConfig()
	var mode, protocol string
	fs.StringVar(&protocol, "protocol", string(cfg.Protocol), "what a request is: tcp (write --payload bytes, read the echo), http (an HTTP/1.1 request via net/http), udp (one datagram and its echo)")
	fs.StringVar(&cfg.Target, "target", "", "echo server to load, HOST:PORT (required; --protocol http: also http://HOST:PORT/PATH)")
	fs.StringVar(&mode, "mode", string(cfg.Mode), "connection strategy: new (one per request), pool, keepalive; --protocol http: keepalive (the default there: the http.Transport pools) or new (keep-alive off)")
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
	fs.BoolVar(&cfg.SustainExhaustion, "sustain-exhaustion", false, "in the host's own network namespace, keep going after the first EADDRNOTAVAIL (EAGAIN for --protocol udp; drains this host's ports!)")
	fs.StringVar(&cfg.Label, "label", "", "name of this run in reports")
	fs.StringVar(&cfg.Method, "method", "", "--protocol http: request method (default POST with --payload > 0, else GET; GET and HEAD send no body)")
	fs.IntVar(&cfg.MaxIdlePerHost, "max-idle-per-host", 0, "--protocol http: Transport.MaxIdleConnsPerHost (0 = Go's default, 2: above concurrency 2 most connections close after one request)")
	fs.IntVar(&cfg.MaxConnsPerHost, "max-conns-per-host", 0, "--protocol http: Transport.MaxConnsPerHost (0 = no limit)")
	disableKeepAlives := fs.Bool("disable-keepalives", false, "--protocol http: Transport.DisableKeepAlives, a new connection per request (same as --mode new)")
	drainBody := fs.Bool("drain-body", true, "--protocol http: read each response body to EOF before closing it; false leaves it unread, so the Transport cannot reuse the connection")
	fs.BoolVar(&cfg.Hold, "hold", false, "--protocol udp --mode new: keep every socket open until the run ends (a UDP socket frees its port at close)")
	quiet := fs.BoolP("quiet", "q", false, "no live progress on stderr")
	out := fs.StringP("out", "o", "", "write the result JSON to this file (atomically)")
	asJSON := fs.Bool("json", false, "print the result JSON on stdout instead of the summary")
	failIf := fs.StringArray("fail-if", nil, "exit 3 if the result meets this condition, e.g. 'errors.EADDRNOTAVAIL>0' (repeatable)")
	if code, done := parse(fs, args, stderr); done {
		return code
	}
	conds, err := parseConditions(*failIf)
	if err != nil {
		return usageError(stderr, "load", err)
	}
	if fs.NArg() > 0 {
		return usageError(stderr, "load", fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	cfg.Mode, cfg.Protocol, cfg.UnreadBody = loadgen.Mode(mode), loadgen.Protocol(protocol), !*drainBody
	if err := httpMode(&cfg, fs.Changed("mode"), *disableKeepAlives); err != nil {
		return usageError(stderr, "load", err)
	}
	if err := cfg.Validate(); err != nil {
		return usageError(stderr, "load", err)
	}
	opts := []loadgen.Option{
		loadgen.WithVersion(version),
		loadgen.WithHostNetns(!netns.Inside() && netns.IsHost()),
	}
	if !*quiet && isTerminal(stderr) {
		opts = append(opts, loadgen.WithProgress(stderr))
	}

	res, err := loadgen.Run(ctx, cfg, opts...)
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
	if c := checkFailIf(conds, []*report.Result{res}, stderr, "load"); code == exitOK {
		code = c
	}
	return code
}

// httpMode maps the HTTP client's keep-alive switch onto --mode: for HTTP
// the http.Transport is the pool, so --mode keepalive is a Transport as
// programs use it (the default here) and --mode new is one with keep-alive
// off, which --disable-keepalives also says.
func httpMode(cfg *loadgen.Config, modeSet, disableKeepAlives bool) error {
	if cfg.Protocol != loadgen.ProtocolHTTP {
		if disableKeepAlives {
			return fmt.Errorf("disable-keepalives: only applies to --protocol http, got protocol %q", cfg.Protocol)
		}
		return nil
	}
	switch {
	case disableKeepAlives && modeSet && cfg.Mode != loadgen.ModeNew:
		return fmt.Errorf("disable-keepalives: contradicts --mode %s (it is --mode new)", cfg.Mode)
	case disableKeepAlives:
		cfg.Mode = loadgen.ModeNew
	case !modeSet:
		cfg.Mode = loadgen.ModeKeepAlive
	}
	return nil
}
