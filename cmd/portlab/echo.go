package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/portlab/portlab/config"
	"github.com/portlab/portlab/echo"
)

// echoCmd is portlab echo's flags, bound straight to the server's knobs in
// cfg, and how long a shutdown drains.
type echoCmd struct {
	fs    *pflag.FlagSet
	cfg   echo.Config
	drain time.Duration
}

// newEchoCmd registers portlab echo's flags. A knob's flag is named as its
// field's YAML key, with "-" for "_".
func newEchoCmd(stderr io.Writer) *echoCmd {
	c := &echoCmd{fs: newFlagSet("echo", "echo [flags]", stderr), cfg: echo.DefaultConfig()}
	fs, cfg := c.fs, &c.cfg
	stringVar(fs, &cfg.Protocol, "protocol", "tcp (echo bytes), http (HTTP/1.1: echo request bodies, answer GET with --payload bytes) or udp (echo datagrams)")
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to listen on (port 0 picks a free one)")
	stringVar(fs, &cfg.Close, "close", "who closes first: client (server waits for EOF; TIME_WAIT on the client) or server (close after one --payload echo; TIME_WAIT on the server; http: answer with Connection: close)")
	fs.IntVar(&cfg.Payload, "payload", cfg.Payload, "request size in bytes (used by --close server); http: the size of the body that answers GET")
	fs.BoolVar(&cfg.KeepAlive, "keepalive", cfg.KeepAlive, "--protocol http: allow HTTP keep-alive; false answers every request with Connection: close")
	fs.IntVar(&cfg.Linger, "linger", cfg.Linger, "SO_LINGER seconds on accepted connections: 0 = close sends RST, -1 = kernel default")
	fs.BoolVar(&cfg.ReusePort, "reuseport", false, "set SO_REUSEPORT on the listener")
	fs.IntVar(&cfg.Backlog, "backlog", cfg.Backlog, "listen backlog (0 = system default)")
	fs.IntVar(&cfg.MaxConns, "max-conns", cfg.MaxConns, "most concurrent connections; excess ones are accepted and closed at once (0 = unlimited)")
	fs.DurationVar(&cfg.Delay, "delay", cfg.Delay, "wait this long before each echo")
	fs.BoolVar(&cfg.TLS, "tls", false, "--protocol http: serve HTTPS with a self-signed certificate made at start (clients: portlab load --insecure)")
	fs.DurationVar(&cfg.ReadHeaderTimeout, "read-header-timeout", cfg.ReadHeaderTimeout, "--protocol http: close a connection whose request header takes longer than this to arrive (slowloris; 0 = no limit)")
	fs.DurationVar(&cfg.ReadTimeout, "read-timeout", cfg.ReadTimeout, "--protocol http: answer 408 and close when a request body sends nothing for this long (0 = no limit)")
	fs.DurationVar(&cfg.WriteTimeout, "write-timeout", cfg.WriteTimeout, "--protocol http: close a connection when one response write blocks this long on a peer that does not read (0 = no limit)")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", cfg.IdleTimeout, "close a connection that goes this long without a byte (tcp) or between keep-alive requests (http); frees --max-conns slots held by idle peers (0 = no limit)")
	fs.DurationVar(&c.drain, "drain", 5*time.Second, "on SIGINT/SIGTERM, let open connections finish for up to this long")
	return c
}

// config is the server's configuration once the flags are parsed, validated.
func (c *echoCmd) config() (echo.Config, error) {
	if c.fs.NArg() > 0 {
		return c.cfg, fmt.Errorf("unexpected argument %q", c.fs.Arg(0))
	}
	if c.drain < 0 || c.drain > config.MaxDuration {
		return c.cfg, fmt.Errorf("drain: must be between 0 and %s, got %s", config.MaxDuration, c.drain)
	}
	return c.cfg, c.cfg.Validate()
}

func cmdEcho(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c := newEchoCmd(stderr)
	if code, done := parse(c.fs, args, stderr); done {
		return code
	}
	cfg, err := c.config()
	if err != nil {
		return usageError(stderr, "echo", err)
	}
	srv, err := echo.New(cfg)
	if err != nil {
		return usageError(stderr, "echo", err)
	}
	if err := srv.Start(); err != nil {
		fmt.Fprintf(stderr, "portlab echo: %v\n", err)
		return exitFailure
	}
	fmt.Fprintf(stdout, "listening on %s\n", srv.Addr())
	if ap, err := netip.ParseAddrPort(srv.Addr().String()); err == nil {
		if w := echo.EphemeralWarning(int(ap.Port())); w != "" {
			fmt.Fprintf(stderr, "portlab echo: %s\n", w)
		}
	}

	<-ctx.Done()
	fmt.Fprintf(stderr, "portlab echo: stopping; draining open connections for up to %s (signal again to stop at once)\n", c.drain)
	// Registered once the first signal has ended ctx, so whatever comes
	// here is a second one. run's handler keeps catching signals too (it
	// would swallow them, which is why the drain needs its own).
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	code := drain(srv, c.drain, signals, stderr)
	st := srv.Stats()
	if cfg.Protocol != echo.ProtocolUDP {
		fmt.Fprintf(stdout, "accepted %d, rejected %d, active peak %d, ", st.Accepted, st.Rejected, st.ActivePeak)
	}
	if cfg.Protocol != echo.ProtocolTCP {
		fmt.Fprintf(stdout, "requests %d, ", st.Requests)
	}
	fmt.Fprintf(stdout, "bytes in %d, bytes out %d\n", st.BytesIn, st.BytesOut)
	return code
}

// drain shuts srv down, letting open connections finish for up to d. A
// signal on signals (the second SIGINT or SIGTERM: the first ended ctx)
// cuts the drain short: the rest are closed at once and the code is
// exitInterrupted. Running out of time is what --drain asks for, so it
// is said as such, not printed as an error.
func drain(srv *echo.Server, d time.Duration, signals <-chan os.Signal, stderr io.Writer) int {
	dctx, cancel := context.WithTimeoutCause(context.Background(), d, errDrainTimeUp)
	defer cancel()
	code := exitOK
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-signals:
			code = exitInterrupted
			fmt.Fprintln(stderr, "portlab echo: second signal: closing open connections now")
			cancel()
		case <-stop:
		}
	}()
	err := srv.Shutdown(dctx)
	close(stop)
	<-done
	// Judged by what Shutdown returned: the timer may fire after a drain
	// that finished in time, and then nothing was cut.
	if errors.Is(err, context.DeadlineExceeded) && errors.Is(context.Cause(dctx), errDrainTimeUp) {
		fmt.Fprintf(stderr, "portlab echo: drain: %s passed; closed the connections still open\n", d)
	}
	if err := realErrors(err); err != nil {
		fmt.Fprintf(stderr, "portlab echo: shutdown: %v\n", err)
		if code == exitOK {
			code = exitFailure
		}
	}
	return code
}

var errDrainTimeUp = errors.New("drain time up")

// realErrors is err without the context errors a cut-short drain joins
// into it: those are the drain ending as asked, not failures.
func realErrors(err error) error {
	var errs []error
	for _, e := range flatten(err) {
		if !errors.Is(e, context.DeadlineExceeded) && !errors.Is(e, context.Canceled) {
			errs = append(errs, e)
		}
	}
	return errors.Join(errs...)
}

// flatten lists the leaves of a tree of errors.Join.
func flatten(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		if err == nil {
			return nil
		}
		return []error{err}
	}
	var errs []error
	for _, e := range j.Unwrap() {
		errs = append(errs, flatten(e)...)
	}
	return errs
}
