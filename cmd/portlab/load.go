package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/internal/netns"
	"github.com/portlab/portlab/loadgen"
	"github.com/portlab/portlab/report"
)

// loadCmd is portlab load's flags, bound straight to the load's knobs in
// cfg; the rest are what to do with the result.
type loadCmd struct {
	fs                *pflag.FlagSet
	cfg               config.Load
	disableKeepAlives bool
	quiet, asJSON     bool
	out               string
	failIf            []string
	metrics           string
}

// newLoadCmd registers portlab load's flags. A knob's flag is named as its
// field's YAML key, with "-" for "_".
func newLoadCmd(stderr io.Writer) *loadCmd {
	c := &loadCmd{fs: newFlagSet("load", "load --target HOST:PORT [flags]", stderr), cfg: config.DefaultLoad()}
	fs, cfg := c.fs, &c.cfg
	stringVar(fs, &cfg.Protocol, "protocol", "what a request is: tcp (write --payload bytes, read the echo), http (an HTTP/1.1 request via net/http), udp (one datagram and its echo)")
	fs.StringVar(&cfg.Target, "target", "", "echo server to load, HOST:PORT (required; --protocol http: also http://HOST:PORT/PATH)")
	stringVar(fs, &cfg.Mode, "mode", "connection strategy: new (one per request), pool, keepalive; --protocol http: keepalive (the default there: the http.Transport pools) or new (keep-alive off)")
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
	fs.BoolVar(&cfg.AwaitClose, "await-close", false, "--mode new: read to the server's EOF before closing, so a server that closes first (echo --close server) keeps the TIME_WAIT")
	fs.DurationVar(&cfg.Interval, "interval", cfg.Interval, "timeline interval")
	fs.BoolVar(&cfg.SustainExhaustion, "sustain-exhaustion", false, "keep going after the first EADDRNOTAVAIL (EAGAIN for --protocol udp), where load stops by default in any network namespace; drains this host's ports!")
	fs.StringVar(&cfg.Label, "label", "", "name of this run in reports")
	fs.StringVar(&cfg.Method, "method", "", "--protocol http: request method (default POST with --payload > 0, else GET; GET and HEAD send no body)")
	fs.StringArrayVarP(&cfg.Header, "header", "H", nil, "--protocol http: request header 'Name: value', sent on every request (repeatable)")
	fs.StringVar(&cfg.BodyFile, "body-file", "", "--protocol http: send this file (at most 64 MiB) as every request's body, in place of --payload bytes (POST unless --method)")
	fs.StringVar(&cfg.CACert, "cacert", "", "--protocol http, https:// target: trust the certificates in this PEM file instead of the system's")
	fs.BoolVar(&cfg.Insecure, "insecure", false, "--protocol http, https:// target: accept any certificate (as curl -k)")
	fs.IntVar(&cfg.MaxIdlePerHost, "max-idle-per-host", 0, "--protocol http: Transport.MaxIdleConnsPerHost (0 = Go's default, 2: a connection freed while 2 others sit idle is closed, so parallel workers churn ports)")
	fs.IntVar(&cfg.MaxConnsPerHost, "max-conns-per-host", 0, "--protocol http: Transport.MaxConnsPerHost (0 = no limit)")
	fs.BoolVar(&cfg.UnreadBody, "unread-body", false, "--protocol http: close each response body without reading it to EOF, so the Transport cannot reuse the connection")
	fs.BoolVar(&cfg.Hold, "hold", false, "--protocol udp --mode new: keep every socket open until the run ends (a UDP socket frees its port at close)")
	fs.StringVar(&cfg.Shard, "shard", "", "run shard I/N of the load (I from 0): this process's share of --rate, --concurrency, --requests and --pool-size, the shares adding up exactly")
	fs.IntVar(&cfg.Shards, "shards", 0, "split the load into N shards, this process's index from $"+config.ShardIndexEnv+" (set in a Kubernetes Indexed Job's pods)")
	fs.Var(timeFlag{&cfg.StartAt}, "start-at", fmt.Sprintf("begin the measured window at this RFC 3339 instant (at most %s ahead, %s late), so that shards overlap", config.MaxStartWait, config.MaxStartLate))
	fs.DurationVar(&cfg.StartDelay, "start-delay", 0, fmt.Sprintf("begin the measured window this long after the set-up (at most %s)", config.MaxStartWait))
	// Older names, kept working: --drain-body=false is --unread-body, and
	// --disable-keepalives is --mode new (see httpMode).
	deprecatedInverse(fs, &cfg.UnreadBody, "drain-body", "use --unread-body (the opposite of --drain-body)")
	fs.BoolVar(&c.disableKeepAlives, "disable-keepalives", false, "")
	_ = fs.MarkDeprecated("disable-keepalives", "use --mode new") // registered just above: cannot fail
	fs.BoolVarP(&c.quiet, "quiet", "q", false, "no live progress on stderr")
	fs.StringVarP(&c.out, "out", "o", "", "write the result JSON to this file (atomically)")
	fs.BoolVar(&c.asJSON, "json", false, "print the result JSON on stdout instead of the summary")
	fs.StringVar(&c.metrics, "metrics", "", "serve the run's live figures as Prometheus metrics on HOST:PORT/metrics while it runs")
	fs.StringArrayVar(&c.failIf, "fail-if", nil, "exit 3 if the result meets this condition, e.g. 'errors.EADDRNOTAVAIL>0' (repeatable)")
	return c
}

// config is the load's configuration once the flags are parsed, validated.
func (c *loadCmd) config() (config.Load, error) {
	if c.fs.NArg() > 0 {
		return c.cfg, fmt.Errorf("unexpected argument %q", c.fs.Arg(0))
	}
	if err := httpMode(&c.cfg, c.fs.Changed("mode"), c.disableKeepAlives); err != nil {
		return c.cfg, err
	}
	if scheme, _, ok := strings.Cut(c.cfg.Target, "://"); ok && c.cfg.Protocol != config.ProtocolHTTP {
		// Else net.SplitHostPort's "too many colons in address".
		hint := "give HOST:PORT"
		if scheme == "http" {
			hint = "did you mean --protocol http?"
		}
		return c.cfg, fmt.Errorf("target: %q is a URL, but --protocol is %s: %s", c.cfg.Target, c.cfg.Protocol, hint)
	}
	if err := checkMetricsAddr(c.metrics); err != nil {
		return c.cfg, err
	}
	if err := c.cfg.ResolveShard(os.LookupEnv); err != nil {
		return c.cfg, err
	}
	if _, err := c.cfg.StartTime(time.Now()); err != nil {
		return c.cfg, err
	}
	return c.cfg, c.cfg.Validate()
}

func cmdLoad(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newLoadCmd(stderr)
	if code, done := parse(c.fs, args, stderr); done {
		return code
	}
	conds, err := parseConditions(c.failIf)
	if err != nil {
		return usageError(stderr, "load", err)
	}
	cfg, err := c.config()
	if err != nil {
		return usageError(stderr, "load", err)
	}
	if c.out != "" {
		if err := checkOutFile(c.out); err != nil {
			return usageError(stderr, "load", err)
		}
	}
	res, err := c.run(ctx, cfg, stderr)
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
	if c.out != "" {
		if werr := report.WriteFile(c.out, res); werr != nil {
			fmt.Fprintf(stderr, "portlab load: write %s: %v\n", c.out, werr)
			return exitFailure
		}
	}
	if c.asJSON {
		err = report.WriteJSON(stdout, res)
	} else if err = report.WriteText(stdout, res); err == nil {
		err = writeDiagnosis(stdout, res)
	}
	if err != nil {
		fmt.Fprintf(stderr, "portlab load: %v\n", err)
		return exitFailure
	}
	if c := checkFailIf(conds, []*report.Result{res}, stderr, "load"); code == exitOK {
		code = c
	}
	if code == exitOK && nothingCompleted(res) {
		// A run that measured nothing is no measurement: the result
		// (written above) has the note saying why.
		fmt.Fprintf(stderr, "portlab load: no request completed (%d started, %d incomplete)\n",
			res.Totals.RequestsStarted, res.Totals.RequestsIncomplete)
		code = exitFailure
	}
	return code
}

// run runs the load. Interrupted in the connectivity check, before any
// request, it returns a result that says so rather than leave --out
// missing.
func (c *loadCmd) run(ctx context.Context, cfg config.Load, stderr io.Writer) (*report.Result, error) {
	opts := []loadgen.Option{
		loadgen.WithVersion(version),
		// Whatever the environment says: only the sandbox child, which
		// portlab run starts in a namespace of its own, may skip the stop.
		loadgen.WithHostNetns(true),
		loadgen.WithNetnsLabel(netns.Label()),
	}
	if !c.quiet && isTerminal(stderr) {
		opts = append(opts, loadgen.WithProgress(stderr))
	}
	if c.metrics != "" {
		var m loadgen.Monitor
		stop, err := serveLoadMetrics(c.metrics, &m, stderr)
		if err != nil {
			return nil, err
		}
		defer stop()
		opts = append(opts, loadgen.WithMonitor(&m))
	}
	started := time.Now()
	res, err := loadgen.Run(ctx, cfg, opts...)
	if res == nil && ctx.Err() != nil {
		fmt.Fprintf(stderr, "portlab load: interrupted before the load: %v\n", err)
		return unsentResult(cfg, started), ctx.Err()
	}
	return res, err
}

// unsentResult is the result of a run interrupted before it sent its
// first request: no counts, empty histograms (so that it merges and reads
// back like any other), stopped by a signal, with a note saying so.
func unsentResult(cfg config.Load, started time.Time) *report.Result {
	empty, _ := report.Summarize(report.NewHDR()) // an empty histogram always encodes
	shard, _ := cfg.ShardOf()                     // validated
	cfg = cfg.Share()
	res := &report.Result{
		SchemaVersion: report.SchemaVersion,
		Tool:          report.Tool{Name: "portlab", Version: version},
		Label:         cfg.Label,
		Target:        cfg.Target,
		Strategy:      cfg.Strategy(),
		StartedAt:     started.UTC(),
		Interrupted:   true,
		StopReason:    report.StopSignal,
		Config:        &report.RunConfig{Load: cfg},
		Environment: report.Environment{OS: runtime.GOOS, GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
			Netns: netns.Label()},
		Errors:  map[string]int64{},
		Onset:   map[string]report.Onset{},
		Latency: report.Latencies{Connect: empty, RoundTrip: empty, Total: empty},
		Notes:   []string{"interrupted during the connectivity check, before the load: no request was sent"},
	}
	if shard.Count > 0 {
		// Labelled as its run would have been, so that a merge counts it
		// as this shard, not as another client.
		res.Shard, res.Label = &shard, shard.Label(cfg.Label)
	}
	return res
}

// nothingCompleted says that no request was answered or failed.
func nothingCompleted(res *report.Result) bool {
	return res.Totals.RequestsOK+res.Totals.RequestsFailed == 0
}

// httpMode maps the HTTP client's keep-alive switch onto --mode: for HTTP
// the http.Transport is the pool, so --mode keepalive is a Transport as
// programs use it (the default here) and --mode new is one with keep-alive
// off, which the deprecated --disable-keepalives also says.
func httpMode(cfg *config.Load, modeSet, disableKeepAlives bool) error {
	if cfg.Protocol != config.ProtocolHTTP {
		if disableKeepAlives {
			return fmt.Errorf("disable-keepalives: only applies to --protocol http, got protocol %q", cfg.Protocol)
		}
		return nil
	}
	switch {
	case disableKeepAlives && modeSet && cfg.Mode != config.ModeNew:
		return fmt.Errorf("disable-keepalives: contradicts --mode %s (it is --mode new)", cfg.Mode)
	case disableKeepAlives:
		cfg.Mode = config.ModeNew
	case !modeSet:
		cfg.Mode = config.ModeKeepAlive
	}
	return nil
}
